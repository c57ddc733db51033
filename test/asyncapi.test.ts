import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { asyncApiFile, renderAsyncApi } from "../scripts/generate-asyncapi.ts";

const require = createRequire(import.meta.url);

describe("AsyncAPI document", () => {
  it("is committed and up to date with the zod event schemas (pnpm asyncapi regenerates it)", () => {
    expect(readFileSync(asyncApiFile, "utf8")).toBe(renderAsyncApi());
  });

  it("is a valid AsyncAPI 3.0 document", () => {
    const schema = require("@asyncapi/specs/schemas/3.0.0-without-$id.json");
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const valid = validate(JSON.parse(renderAsyncApi()));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });
});
