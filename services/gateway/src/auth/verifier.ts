import { createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { AppError, type Logger } from "@installhub/shared";
import { createRemoteJWKSet, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify } from "jose";
import { z } from "zod";
import type { GatewayConfig } from "../config.ts";
import { loadOrCreateDevKey } from "./dev-key.ts";
import { Caller } from "./tokens.ts";

export type TokenVerifier = (token: string) => Promise<Caller>;

/**
 * Verifies bearer tokens against the configured key source: a JWKS URL, a public key (PEM text or
 * file), or, when none is configured, the local dev key (with a warning, as that is for local runs).
 * Only the allowed algorithms pass; `exp` and `nbf` always count; `iss` and `aud` when configured.
 */
export async function createTokenVerifier(config: GatewayConfig, logger: Logger): Promise<TokenVerifier> {
  const key = await keySource(config, logger);
  const options: JWTVerifyOptions = {
    algorithms: config.AUTH_ALGORITHMS,
    requiredClaims: ["sub", "exp"],
    ...(config.AUTH_ISSUER ? { issuer: config.AUTH_ISSUER } : {}),
    ...(config.AUTH_AUDIENCE ? { audience: config.AUTH_AUDIENCE } : {}),
  };
  return async (token) => {
    try {
      const { payload } =
        typeof key === "function"
          ? await jwtVerify(token, key, options)
          : await jwtVerify(token, key, options);
      return Caller.parse(payload);
    } catch (error) {
      const claim = error instanceof z.ZodError ? String(error.issues[0]?.path[0] ?? "") : "";
      throw new AppError(
        "Unauthorized",
        `The access token was rejected: ${reasonOf(error)}`,
        claim ? { claim } : undefined,
      );
    }
  };
}

async function keySource(config: GatewayConfig, logger: Logger): Promise<KeyObject | JWTVerifyGetKey> {
  if (config.AUTH_JWKS_URL) return createRemoteJWKSet(new URL(config.AUTH_JWKS_URL));
  if (config.AUTH_PUBLIC_KEY) return createPublicKey(config.AUTH_PUBLIC_KEY);
  if (config.AUTH_PUBLIC_KEY_FILE)
    return createPublicKey(await readFile(config.AUTH_PUBLIC_KEY_FILE, "utf8"));
  const devKey = await loadOrCreateDevKey(config.DEV_KEYS_DIR);
  logger.warn(
    { keyFile: devKey.file },
    "no AUTH_JWKS_URL, AUTH_PUBLIC_KEY or AUTH_PUBLIC_KEY_FILE configured: trusting tokens signed with the local dev key (local runs only)",
  );
  return devKey.publicKey;
}

function reasonOf(error: unknown): string {
  if (error instanceof z.ZodError) {
    const [issue] = error.issues;
    return `its '${String(issue?.path[0] ?? "claims")}' claim is invalid: ${issue?.message ?? "malformed"}`;
  }
  const code = (error as { code?: string }).code;
  if (code === "ERR_JWT_EXPIRED") return "it has expired";
  if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") return (error as Error).message;
  if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") return "bad signature";
  if (code === "ERR_JOSE_ALG_NOT_ALLOWED") return "algorithm not allowed";
  if (code === "ERR_JWS_INVALID" || code === "ERR_JWT_INVALID") return "malformed token";
  return "it could not be verified";
}
