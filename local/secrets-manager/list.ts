import { AwsError, validationError } from './errors';
import {
  optionalBoolean,
  optionalInteger,
  optionalString,
  type RequestBody,
} from './input';
import {
  describeRecord,
  versionIdsToStages,
  type ResponseBody,
} from './response';
import type { SecretRecord } from './model';
import type { SecretStore } from './store';

const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

interface Filter {
  key: FilterKey;
  values: string[];
}

function readFilters(body: RequestBody): Filter[] {
  const value = body.Filters;
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw validationError('filters', 'Member must be a list of filters');
  }
  return value.map((item: unknown) => {
    const filter = item as { Key?: unknown; Values?: unknown } | null;
    if (filter === null || !FILTER_KEYS.includes(filter.Key as FilterKey)) {
      throw validationError(
        'filters.member.key',
        `Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`,
      );
    }
    const values = filter.Values;
    if (
      !Array.isArray(values) ||
      values.length < 1 ||
      values.length > 10 ||
      values.some((entry) => typeof entry !== 'string')
    ) {
      throw validationError(
        'filters.member.values',
        'Member must be a list of 1 to 10 strings',
      );
    }
    return { key: filter.Key as FilterKey, values: values as string[] };
  });
}

/**
 * Splits text into lower-case words at punctuation, at a lower-to-upper case
 * change and between letters and digits, as Secrets Manager's `all` search does.
 */
function words(text: string): string[] {
  return text
    .replace(
      /(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])/g,
      ' ',
    )
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.toLowerCase());
}

function matchesValue(
  record: SecretRecord,
  key: FilterKey,
  value: string,
): boolean {
  switch (key) {
    case 'name':
      return record.name.startsWith(value);
    case 'description':
      return (record.description ?? '')
        .toLowerCase()
        .startsWith(value.toLowerCase());
    case 'tag-key':
      return record.tags.some((tag) => tag.Key.startsWith(value));
    case 'tag-value':
      return record.tags.some((tag) => tag.Value.startsWith(value));
    case 'primary-region':
    case 'owning-service':
      // The emulator has no replicas and no secrets managed by other services.
      return false;
    case 'all': {
      const attributes = [
        record.name,
        record.description ?? '',
        ...record.tags.flatMap((tag) => [tag.Key, tag.Value]),
      ].flatMap(words);
      return words(value).some((word) =>
        attributes.some((attribute) => attribute.startsWith(word)),
      );
    }
  }
}

/**
 * Returns whether the secret passes every filter. Within one filter any value
 * may match, and a value starting with `!` matches secrets that the rest of
 * the value does not match.
 */
function matchesFilters(record: SecretRecord, filters: Filter[]): boolean {
  return filters.every((filter) =>
    filter.values.some((value) =>
      value.startsWith('!')
        ? !matchesValue(record, filter.key, value.slice(1))
        : matchesValue(record, filter.key, value),
    ),
  );
}

function decodeNextToken(token: string): number {
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) {
    throw new AwsError(
      'InvalidNextTokenException',
      'The NextToken value is invalid.',
    );
  }
  return offset;
}

/**
 * Lists secrets by CreatedDate with MaxResults (1 to 100) per page. Secrets
 * scheduled for deletion are left out unless IncludePlannedDeletion is true.
 */
export function listSecrets(
  store: SecretStore,
  body: RequestBody,
): ResponseBody {
  const maxResults = optionalInteger(body, 'MaxResults') ?? 100;
  if (maxResults < 1 || maxResults > 100) {
    throw validationError(
      'maxResults',
      'Member must have value between 1 and 100',
    );
  }
  const nextToken = optionalString(body, 'NextToken', 4096);
  const sortOrder = optionalString(body, 'SortOrder') ?? 'asc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw validationError(
      'sortOrder',
      'Member must satisfy enum value set: [asc, desc]',
    );
  }
  const includePlannedDeletion =
    optionalBoolean(body, 'IncludePlannedDeletion') ?? false;
  const filters = readFilters(body);

  // NOTE: AWS's default order is unverified. This emulator lists the oldest
  // secret first unless SortOrder is desc.
  const matching = store
    .list()
    .filter(
      (record) => includePlannedDeletion || record.deletedDate === undefined,
    )
    .filter((record) => matchesFilters(record, filters))
    .sort((a, b) => a.createdDate.getTime() - b.createdDate.getTime());
  if (sortOrder === 'desc') {
    matching.reverse();
  }

  const offset = nextToken === undefined ? 0 : decodeNextToken(nextToken);
  const page = matching.slice(offset, offset + maxResults);
  const nextOffset = offset + page.length;
  return {
    SecretList: page.map((record) => ({
      ...describeRecord(record),
      SecretVersionsToStages: versionIdsToStages(record),
    })),
    NextToken:
      nextOffset < matching.length
        ? Buffer.from(String(nextOffset), 'utf8').toString('base64url')
        : undefined,
  };
}
