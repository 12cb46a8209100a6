// Reads one Secrets Manager secret string (the Oso API key for the sync). The client is bundled with the
// function, so what the tests bundle is what deploys; it is loaded lazily so other entry points skip it.

/** The secret's string value; a JSON secret `{"apiKey": "..."}` (or `token`/`OSO_API_TOKEN`) is unwrapped. */
export async function readSecretString(arn: string): Promise<string> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  const raw = out.SecretString ?? '';
  if (!raw.trimStart().startsWith('{')) return raw.trim();
  const o = JSON.parse(raw) as Record<string, unknown>;
  const v = o.apiKey ?? o.token ?? o.OSO_API_TOKEN;
  if (typeof v !== 'string') throw new Error(`secret ${arn} is JSON without an apiKey field`);
  return v;
}
