import { describe, expect, it } from "vitest";
import { allowedMethods } from "./app.ts";

const routes = [
  { method: "ALL", path: "/api/*" },
  { method: "POST", path: "/api/marketplace/packages/:packageId/install" },
  { method: "GET", path: "/api/marketplace/installs/:installId/status" },
  { method: "GET", path: "/api/marketplace/packages/:packageId" },
  { method: "DELETE", path: "/api/marketplace/packages/:packageId" },
];

describe("allowedMethods", () => {
  it("lists the methods of the routes that match the path, HEAD wherever GET is", () => {
    expect(allowedMethods(routes, "/api/marketplace/packages/x/install")).toEqual(["POST"]);
    expect(allowedMethods(routes, "/api/marketplace/installs/abc/status")).toEqual(["GET", "HEAD"]);
    expect(allowedMethods(routes, "/api/marketplace/packages/x")).toEqual(["DELETE", "GET", "HEAD"]);
  });

  it("ignores middleware and answers nothing for unknown paths or extra segments", () => {
    expect(allowedMethods(routes, "/api/unknown")).toEqual([]);
    expect(allowedMethods(routes, "/api/marketplace/installs/a/b/status")).toEqual([]);
  });
});
