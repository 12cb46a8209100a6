// Reads one Secrets Manager secret string. The client is provided by the Lambda runtime (not a dependency of
// this package), so it is loaded by name at run time and left out of the bundle.
type SecretsClient = { send(command: unknown): Promise<{ SecretString?: string }> };
type SecretsModule = {
  SecretsManagerClient: new () => SecretsClient;
  GetSecretValueCommand: new (input: { SecretId: string }) => unknown;
};

const MODULE = '@aws-sdk/client-secrets-manager';

/** The secret's string value; a JSON secret `{"apiKey": "..."}` (or `token`/`OSO_API_TOKEN`) is unwrapped. */
export async function readSecretString(arn: string): Promise<string> {
  const sm = (await import(MODULE)) as SecretsModule;
  const out = await new sm.SecretsManagerClient().send(new sm.GetSecretValueCommand({ SecretId: arn }));
  const raw = out.SecretString ?? '';
  if (!raw.trimStart().startsWith('{')) return raw.trim();
  const o = JSON.parse(raw) as Record<string, unknown>;
  const v = o.apiKey ?? o.token ?? o.OSO_API_TOKEN;
  if (typeof v !== 'string') throw new Error(`secret ${arn} is JSON without an apiKey field`);
  return v;
}
