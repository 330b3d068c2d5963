// Placeholder so the CDK stack can bundle an entry point; replaced soon.
export const handler = async (): Promise<unknown> => ({ statusCode: 501 });
