export * from "./asyncapi.ts";
export * from "./cloudevents.ts";
export * from "./codec.ts";
export * from "./contracts.ts";
export * from "./json-schema.ts";
