import { createServer, type Server } from 'node:net';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  UpdateSecretCommand,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import {
  startSecretsManager,
  type SecretsManagerEmulator,
} from '../../local/secrets-manager';

const DAY_MS = 24 * 60 * 60 * 1000;
const ARN_PATTERN =
  /^arn:aws:secretsmanager:us-east-1:000000000000:secret:(.+)-[A-Za-z0-9]{6}$/;
const MARKED_FOR_DELETION =
  "You can't perform this operation on the secret because it was marked for deletion.";

let emulator: SecretsManagerEmulator;
let client: SecretsManagerClient;
let secretCount = 0;

function newClient(
  config: Partial<SecretsManagerClientConfig> = {},
): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...config,
  });
}

/** Returns a secret name no other test uses, shaped like the service's merchant secrets. */
function uniqueName(): string {
  secretCount += 1;
  return `chat-payments/test/merchants/m-${secretCount}-${Date.now()}`;
}

async function caught(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the request to fail, but it succeeded');
}

async function createSecret(name: string, value: string) {
  return client.send(
    new CreateSecretCommand({ Name: name, SecretString: value }),
  );
}

async function currentValue(secretId: string): Promise<string | undefined> {
  const result = await client.send(
    new GetSecretValueCommand({ SecretId: secretId }),
  );
  return result.SecretString;
}

async function postJson(
  path: string,
  body: string,
  headers: Record<string, string> = {},
) {
  return fetch(`${emulator.url}${path}`, { method: 'POST', body, headers });
}

beforeAll(async () => {
  emulator = await startSecretsManager({ port: 0 });
  client = newClient();
});

afterEach(async () => {
  await fetch(`${emulator.url}/_local/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
});

describe('startSecretsManager', () => {
  it('listens on loopback ephemeral port', () => {
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
  });

  it('rejects busy port clearly', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) =>
      blocker.listen(0, '127.0.0.1', resolve),
    );
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startSecretsManager({ port })).rejects.toThrow(
        `port ${port} is already in use (Secrets Manager emulator): stop the other process`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('CreateSecret and GetSecretValue', () => {
  it('returns value by name', async () => {
    const name = uniqueName();
    const created = await createSecret(name, '{"apiKey":"sk_test_1"}');
    expect(created.Name).toBe(name);
    expect(created.ARN).toMatch(ARN_PATTERN);
    expect(created.ARN?.match(ARN_PATTERN)?.[1]).toBe(name);
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/);

    const result = await client.send(
      new GetSecretValueCommand({ SecretId: name }),
    );
    expect(result.SecretString).toBe('{"apiKey":"sk_test_1"}');
    expect(result.VersionId).toBe(created.VersionId);
    expect(result.VersionStages).toEqual(['AWSCURRENT']);
    expect(result.ARN).toBe(created.ARN);
    expect(result.CreatedDate).toBeInstanceOf(Date);
  });

  it('returns value by full ARN', async () => {
    const name = uniqueName();
    const created = await createSecret(name, 'by-arn');
    expect(await currentValue(created.ARN as string)).toBe('by-arn');
  });

  it('returns value by partial ARN', async () => {
    const name = uniqueName();
    const created = await createSecret(name, 'by-partial-arn');
    const partialArn = (created.ARN as string).slice(0, -7);
    expect(await currentValue(partialArn)).toBe('by-partial-arn');
  });

  it('round-trips binary values', async () => {
    const name = uniqueName();
    const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
    await client.send(
      new CreateSecretCommand({ Name: name, SecretBinary: bytes }),
    );
    const result = await client.send(
      new GetSecretValueCommand({ SecretId: name }),
    );
    expect(result.SecretString).toBeUndefined();
    expect(Buffer.from(result.SecretBinary as Uint8Array)).toEqual(
      Buffer.from(bytes),
    );
  });

  it('rejects string and binary together', async () => {
    const error = await caught(
      client.send(
        new CreateSecretCommand({
          Name: uniqueName(),
          SecretString: 'a',
          SecretBinary: Uint8Array.from([1]),
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
  });

  it('rejects invalid secret name', async () => {
    const error = await caught(createSecret('has spaces in it', 'value'));
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toContain('Invalid name');
  });

  it('rejects existing name', async () => {
    const name = uniqueName();
    await createSecret(name, 'first');
    const error = await caught(createSecret(name, 'second'));
    expect(error).toBeInstanceOf(ResourceExistsException);
    expect(error.message).toBe(
      `The operation failed because the secret ${name} already exists.`,
    );
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(await currentValue(name)).toBe('first');
  });

  it('repeats create with same token', async () => {
    const name = uniqueName();
    const token = 'a'.repeat(32);
    const first = await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: 'same',
        ClientRequestToken: token,
      }),
    );
    const second = await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: 'same',
        ClientRequestToken: token,
      }),
    );
    expect(second.ARN).toBe(first.ARN);
    expect(second.VersionId).toBe(token);
  });

  it('rejects unknown secret', async () => {
    const error = await caught(currentValue(uniqueName()));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.message).toBe(
      "Secrets Manager can't find the specified secret.",
    );
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('rejects secret without value', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name }));
    const error = await caught(currentValue(name));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.message).toContain('staging label: AWSCURRENT');
  });
});

describe('PutSecretValue', () => {
  it('moves AWSCURRENT and AWSPREVIOUS', async () => {
    const name = uniqueName();
    const first = await createSecret(name, 'v1');
    const second = await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v2' }),
    );
    expect(second.VersionStages).toEqual(['AWSCURRENT']);
    expect(await currentValue(name)).toBe('v2');

    const previous = await client.send(
      new GetSecretValueCommand({
        SecretId: name,
        VersionStage: 'AWSPREVIOUS',
      }),
    );
    expect(previous.SecretString).toBe('v1');
    expect(previous.VersionId).toBe(first.VersionId);
    expect(previous.VersionStages).toEqual(['AWSPREVIOUS']);

    const third = await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'v3' }),
    );
    const described = await client.send(
      new DescribeSecretCommand({ SecretId: name }),
    );
    expect(described.VersionIdsToStages).toEqual({
      [second.VersionId as string]: ['AWSPREVIOUS'],
      [third.VersionId as string]: ['AWSCURRENT'],
    });
  });

  it('gets value by VersionId', async () => {
    const name = uniqueName();
    const first = await createSecret(name, 'old');
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'new' }),
    );
    const result = await client.send(
      new GetSecretValueCommand({ SecretId: name, VersionId: first.VersionId }),
    );
    expect(result.SecretString).toBe('old');
  });

  it('rejects unknown VersionId', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    const error = await caught(
      client.send(
        new GetSecretValueCommand({
          SecretId: name,
          VersionId: 'b'.repeat(32),
        }),
      ),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.message).toContain(`VersionId: ${'b'.repeat(32)}`);
  });

  it('rejects mismatched VersionId and stage', async () => {
    const name = uniqueName();
    const first = await createSecret(name, 'value');
    const error = await caught(
      client.send(
        new GetSecretValueCommand({
          SecretId: name,
          VersionId: first.VersionId,
          VersionStage: 'AWSPREVIOUS',
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidRequestException);
  });

  it('ignores repeated token with same value', async () => {
    const name = uniqueName();
    await createSecret(name, 'v1');
    const token = 'c'.repeat(32);
    const first = await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'v2',
        ClientRequestToken: token,
      }),
    );
    const again = await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'v2',
        ClientRequestToken: token,
      }),
    );
    expect(first.VersionId).toBe(token);
    expect(again.VersionId).toBe(token);
    const previous = await client.send(
      new GetSecretValueCommand({
        SecretId: name,
        VersionStage: 'AWSPREVIOUS',
      }),
    );
    expect(previous.SecretString).toBe('v1');
  });

  it('rejects repeated token with new value', async () => {
    const name = uniqueName();
    await createSecret(name, 'v1');
    const token = 'd'.repeat(32);
    await client.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: 'v2',
        ClientRequestToken: token,
      }),
    );
    const error = await caught(
      client.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: 'v3',
          ClientRequestToken: token,
        }),
      ),
    );
    expect(error).toBeInstanceOf(ResourceExistsException);
    expect(await currentValue(name)).toBe('v2');
  });

  it('rejects put on unknown secret', async () => {
    const error = await caught(
      client.send(
        new PutSecretValueCommand({
          SecretId: uniqueName(),
          SecretString: 'x',
        }),
      ),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('UpdateSecret', () => {
  it('creates new current version', async () => {
    const name = uniqueName();
    await createSecret(name, 'before');
    const updated = await client.send(
      new UpdateSecretCommand({ SecretId: name, SecretString: 'after' }),
    );
    expect(updated.VersionId).toBeDefined();
    expect(await currentValue(name)).toBe('after');
    const previous = await client.send(
      new GetSecretValueCommand({
        SecretId: name,
        VersionStage: 'AWSPREVIOUS',
      }),
    );
    expect(previous.SecretString).toBe('before');
  });

  it('changes description without version', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    const updated = await client.send(
      new UpdateSecretCommand({ SecretId: name, Description: 'merchant key' }),
    );
    expect(updated.VersionId).toBeUndefined();
    const described = await client.send(
      new DescribeSecretCommand({ SecretId: name }),
    );
    expect(described.Description).toBe('merchant key');
  });
});

describe('DeleteSecret and RestoreSecret', () => {
  it('schedules deletion in 30 days', async () => {
    const name = uniqueName();
    const created = await createSecret(name, 'value');
    const before = Date.now();
    const deleted = await client.send(
      new DeleteSecretCommand({ SecretId: name }),
    );
    expect(deleted.ARN).toBe(created.ARN);
    expect(deleted.Name).toBe(name);
    const windowMs = (deleted.DeletionDate as Date).getTime() - before;
    expect(windowMs).toBeGreaterThanOrEqual(30 * DAY_MS - 1000);
    expect(windowMs).toBeLessThanOrEqual(30 * DAY_MS + 5000);
  });

  it('honors RecoveryWindowInDays', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    const before = Date.now();
    const deleted = await client.send(
      new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }),
    );
    const windowMs = (deleted.DeletionDate as Date).getTime() - before;
    expect(windowMs).toBeGreaterThanOrEqual(7 * DAY_MS - 1000);
    expect(windowMs).toBeLessThanOrEqual(7 * DAY_MS + 5000);
  });

  it.each([6, 31, 0])('rejects recovery window %i', async (days) => {
    const name = uniqueName();
    await createSecret(name, 'value');
    const error = await caught(
      client.send(
        new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: days }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toBe(
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
    );
    expect(await currentValue(name)).toBe('value');
  });

  it('rejects force with recovery window', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    const error = await caught(
      client.send(
        new DeleteSecretCommand({
          SecretId: name,
          RecoveryWindowInDays: 7,
          ForceDeleteWithoutRecovery: true,
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toBe(
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
    expect(await currentValue(name)).toBe('value');
  });

  it('rejects get when scheduled', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    await client.send(
      new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }),
    );
    const error = await caught(currentValue(name));
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect(error.message).toBe(MARKED_FOR_DELETION);
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('rejects put and update when scheduled', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const putError = await caught(
      client.send(
        new PutSecretValueCommand({ SecretId: name, SecretString: 'new' }),
      ),
    );
    expect(putError).toBeInstanceOf(InvalidRequestException);
    expect(putError.message).toBe(MARKED_FOR_DELETION);
    const updateError = await caught(
      client.send(
        new UpdateSecretCommand({ SecretId: name, SecretString: 'new' }),
      ),
    );
    expect(updateError).toBeInstanceOf(InvalidRequestException);
  });

  it('describes DeletedDate when scheduled', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    const before = await client.send(
      new DescribeSecretCommand({ SecretId: name }),
    );
    expect(before.DeletedDate).toBeUndefined();
    const requestedAt = Date.now();
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const after = await client.send(
      new DescribeSecretCommand({ SecretId: name }),
    );
    expect(after.DeletedDate).toBeInstanceOf(Date);
    expect(
      Math.abs((after.DeletedDate as Date).getTime() - requestedAt),
    ).toBeLessThan(5000);
    expect(after.Name).toBe(name);
  });

  it('restores then gets value', async () => {
    const name = uniqueName();
    const created = await createSecret(name, 'kept');
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const restored = await client.send(
      new RestoreSecretCommand({ SecretId: name }),
    );
    expect(restored.ARN).toBe(created.ARN);
    expect(await currentValue(name)).toBe('kept');
    const described = await client.send(
      new DescribeSecretCommand({ SecretId: name }),
    );
    expect(described.DeletedDate).toBeUndefined();
    await client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'rotated' }),
    );
    expect(await currentValue(name)).toBe('rotated');
  });

  it('rejects create of scheduled name', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    const error = await caught(createSecret(name, 'again'));
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect(error.message).toBe(
      "You can't create this secret because a secret with this name is already scheduled for deletion.",
    );
  });

  it('frees name after force delete', async () => {
    const name = uniqueName();
    const first = await createSecret(name, 'first');
    const deleted = await client.send(
      new DeleteSecretCommand({
        SecretId: name,
        ForceDeleteWithoutRecovery: true,
      }),
    );
    expect(
      Math.abs((deleted.DeletionDate as Date).getTime() - Date.now()),
    ).toBeLessThan(5000);

    const getError = await caught(currentValue(name));
    expect(getError).toBeInstanceOf(ResourceNotFoundException);
    const restoreError = await caught(
      client.send(new RestoreSecretCommand({ SecretId: name })),
    );
    expect(restoreError).toBeInstanceOf(ResourceNotFoundException);

    const second = await createSecret(name, 'second');
    expect(second.ARN).not.toBe(first.ARN);
    expect(await currentValue(name)).toBe('second');
  });

  it('force deletes scheduled secret', async () => {
    const name = uniqueName();
    await createSecret(name, 'first');
    await client.send(new DeleteSecretCommand({ SecretId: name }));
    await client.send(
      new DeleteSecretCommand({
        SecretId: name,
        ForceDeleteWithoutRecovery: true,
      }),
    );
    await createSecret(name, 'second');
    expect(await currentValue(name)).toBe('second');
  });

  it('rejects delete of unknown secret', async () => {
    const error = await caught(
      client.send(new DeleteSecretCommand({ SecretId: uniqueName() })),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('ListSecrets', () => {
  it('filters by name prefix', async () => {
    const prefix = `list-${Date.now()}/`;
    await createSecret(`${prefix}a`, 'a');
    await createSecret(`${prefix}b`, 'b');
    await createSecret(`other-${Date.now()}`, 'c');
    const result = await client.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }] }),
    );
    expect(result.SecretList?.map((secret) => secret.Name)).toEqual([
      `${prefix}a`,
      `${prefix}b`,
    ]);
    expect(JSON.stringify(result)).not.toContain('SecretString');
  });

  it('hides scheduled deletions by default', async () => {
    const prefix = `list-deleted-${Date.now()}/`;
    await createSecret(`${prefix}kept`, 'a');
    await createSecret(`${prefix}deleted`, 'b');
    await client.send(
      new DeleteSecretCommand({ SecretId: `${prefix}deleted` }),
    );
    const filters = [{ Key: 'name' as const, Values: [prefix] }];
    const visible = await client.send(
      new ListSecretsCommand({ Filters: filters }),
    );
    expect(visible.SecretList?.map((secret) => secret.Name)).toEqual([
      `${prefix}kept`,
    ]);
    const all = await client.send(
      new ListSecretsCommand({
        Filters: filters,
        IncludePlannedDeletion: true,
      }),
    );
    expect(all.SecretList?.map((secret) => secret.Name)).toEqual([
      `${prefix}kept`,
      `${prefix}deleted`,
    ]);
    expect(all.SecretList?.[1].DeletedDate).toBeInstanceOf(Date);
  });

  it('pages with NextToken', async () => {
    const prefix = `list-pages-${Date.now()}/`;
    for (const suffix of ['1', '2', '3']) {
      await createSecret(`${prefix}${suffix}`, suffix);
    }
    const filters = [{ Key: 'name' as const, Values: [prefix] }];
    const first = await client.send(
      new ListSecretsCommand({ Filters: filters, MaxResults: 2 }),
    );
    expect(first.SecretList).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    const second = await client.send(
      new ListSecretsCommand({
        Filters: filters,
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.SecretList?.map((secret) => secret.Name)).toEqual([
      `${prefix}3`,
    ]);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('fault hook', () => {
  it('fails next request once', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    const response = await postJson(
      '/_local/faults',
      JSON.stringify({
        target: 'GetSecretValue',
        status: 500,
        type: 'InternalServiceError',
        times: 1,
      }),
    );
    expect(response.status).toBe(201);

    const noRetries = newClient({ maxAttempts: 1 });
    try {
      const error = await caught(
        noRetries.send(new GetSecretValueCommand({ SecretId: name })),
      );
      expect(error).toBeInstanceOf(InternalServiceError);
      expect(error.$metadata?.httpStatusCode).toBe(500);
      const result = await noRetries.send(
        new GetSecretValueCommand({ SecretId: name }),
      );
      expect(result.SecretString).toBe('value');
    } finally {
      noRetries.destroy();
    }
  });

  it('lets SDK retry throttling', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    await postJson(
      '/_local/faults',
      JSON.stringify({
        target: 'GetSecretValue',
        status: 400,
        type: 'ThrottlingException',
        times: 2,
      }),
    );
    const result = await client.send(
      new GetSecretValueCommand({ SecretId: name }),
    );
    expect(result.SecretString).toBe('value');
    expect(result.$metadata.attempts).toBe(3);
  });

  it('throws throttling after retries', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    await postJson(
      '/_local/faults',
      JSON.stringify({
        target: 'GetSecretValue',
        status: 400,
        type: 'ThrottlingException',
        times: 3,
      }),
    );
    const error = await caught(
      client.send(new GetSecretValueCommand({ SecretId: name })),
    );
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('leaves other operations alone', async () => {
    const name = uniqueName();
    await postJson(
      '/_local/faults',
      JSON.stringify({
        target: 'GetSecretValue',
        status: 500,
        type: 'InternalServiceError',
        times: 1,
      }),
    );
    const created = await createSecret(name, 'value');
    expect(created.Name).toBe(name);
  });

  it('clears faults on DELETE', async () => {
    const name = uniqueName();
    await createSecret(name, 'value');
    await postJson(
      '/_local/faults',
      JSON.stringify({
        target: 'GetSecretValue',
        status: 500,
        type: 'InternalServiceError',
        times: 5,
      }),
    );
    const cleared = await fetch(`${emulator.url}/_local/faults`, {
      method: 'DELETE',
    });
    expect(cleared.status).toBe(204);
    const noRetries = newClient({ maxAttempts: 1 });
    try {
      expect(
        (await noRetries.send(new GetSecretValueCommand({ SecretId: name })))
          .SecretString,
      ).toBe('value');
    } finally {
      noRetries.destroy();
    }
  });

  it('rejects invalid fault', async () => {
    const response = await postJson(
      '/_local/faults',
      JSON.stringify({ target: 'Nope', status: 500, type: 'X' }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string };
    expect(body.message).toContain('invalid fault target "Nope"');
  });
});

describe('wire protocol', () => {
  const headers = (operation: string) => ({
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `secretsmanager.${operation}`,
  });

  it('returns AWS error shape', async () => {
    const response = await postJson(
      '/',
      JSON.stringify({ SecretId: uniqueName() }),
      headers('GetSecretValue'),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe(
      'application/x-amz-json-1.1',
    );
    expect(await response.json()).toEqual({
      __type: 'ResourceNotFoundException',
      Message: "Secrets Manager can't find the specified secret.",
    });
  });

  it('rejects unknown operation', async () => {
    const response = await postJson('/', '{}', headers('RotateSecret'));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string };
    expect(body.__type).toBe('UnknownOperationException');
  });

  it('rejects invalid JSON without echoing', async () => {
    const response = await postJson(
      '/',
      '{"SecretString": "sk_test_leak',
      headers('CreateSecret'),
    );
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('SerializationException');
    expect(text).not.toContain('sk_test_leak');
  });

  it('rejects body over 1 MiB', async () => {
    const body = JSON.stringify({
      Name: uniqueName(),
      SecretString: 'x'.repeat(1_100_000),
    });
    const response = await postJson('/', body, headers('CreateSecret'));
    expect(response.status).toBe(413);
  });

  it('rejects missing SecretId', async () => {
    const response = await postJson('/', '{}', headers('GetSecretValue'));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string; Message: string };
    expect(body.__type).toBe('ValidationException');
    expect(body.Message).toContain("'secretId'");
  });
});

describe('logging', () => {
  it('never logs secret values', async () => {
    const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    const written: string[] = [];
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    const stdout = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation(capture);
    const stderr = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation(capture);
    const debugEmulator = await startSecretsManager({ port: 0 });
    const debugClient = new SecretsManagerClient({
      endpoint: debugEmulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    try {
      const name = uniqueName();
      await debugClient.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: 'sk_test_secretvalue1',
        }),
      );
      await debugClient.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: 'sk_test_secretvalue2',
        }),
      );
      await debugClient.send(new GetSecretValueCommand({ SecretId: name }));
      await caught(
        debugClient.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: 'sk_test_secretvalue3',
          }),
        ),
      );
    } finally {
      debugClient.destroy();
      await debugEmulator.close();
      stdout.mockRestore();
      stderr.mockRestore();
      if (previousLevel === undefined) {
        delete process.env.POWERTOOLS_LOG_LEVEL;
      } else {
        process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
      }
    }
    const log = written.join('');
    expect(log).toContain('GetSecretValue');
    expect(log).not.toContain('sk_test_secretvalue');
  });
});
