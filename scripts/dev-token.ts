import { join } from "node:path";
import { parseArgs } from "node:util";
import { emailAddressProblem, repositoryRoot } from "@installhub/shared";
import { loadOrCreateDevKey } from "../services/gateway/src/auth/dev-key.ts";
import { signToken } from "../services/gateway/src/auth/tokens.ts";

/**
 * Prints a JWT signed with the local dev key, which a gateway without AUTH_* settings accepts.
 *
 * @example
 * pnpm --silent dev:token --sub user-1 --email admin@example.com --tenants tenant-abc123 \
 *   --permissions installhub:import,marketplace:install
 */
const usage = `usage: pnpm --silent dev:token --sub <id> [--email <addr, default <sub>@example.test>] [--tenants <a,b>] [--permissions <p,q>]
                          [--expires-in <1h|15m|…>] [--issuer <iss>] [--audience <aud>]`;

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

try {
  const { values } = parseArgs({
    options: {
      sub: { type: "string" },
      email: { type: "string" },
      tenants: { type: "string" },
      permissions: { type: "string" },
      "expires-in": { type: "string", default: "1h" },
      issuer: { type: "string" },
      audience: { type: "string" },
    },
    strict: true,
  });
  if (!values.sub) throw new Error("--sub is required");
  // The gateway accepts only a token whose email is exactly one plain address (docs/api.md).
  const email = values.email ?? `${values.sub}@example.test`;
  const problem = emailAddressProblem(email);
  if (problem)
    throw new Error(`--email ${JSON.stringify(email)} would be refused by the gateway: ${problem}`);
  const devKey = await loadOrCreateDevKey(process.env.DEV_KEYS_DIR || join(repositoryRoot, ".data", "keys"));
  const token = await signToken(
    devKey.privateKey,
    {
      sub: values.sub,
      email,
      tenants: list(values.tenants),
      permissions: list(values.permissions),
    },
    {
      expiresIn: values["expires-in"],
      ...(values.issuer ? { issuer: values.issuer } : {}),
      ...(values.audience ? { audience: values.audience } : {}),
    },
  );
  process.stdout.write(`${token}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
