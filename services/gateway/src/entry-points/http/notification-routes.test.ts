import { beforeEach, describe, expect, it } from "vitest";
import { exampleNotification, fakeNotifications } from "../../../test/fakes.ts";
import {
  inProcessGateway,
  itNamesTheInvalidField,
  itRequiresAValidToken,
} from "../../../test/in-process-gateway.ts";

const t = await inProcessGateway();

beforeEach(() => {
  t.reset();
  t.deps.notifications = fakeNotifications([
    exampleNotification(1),
    exampleNotification(2),
    { ...exampleNotification(3), readAt: "2026-05-25T10:40:00.000Z" },
    exampleNotification(4, "someone-else"),
    exampleNotification(5, "user-1", "tenant-i-left"),
  ]);
  t.deps.now = () => new Date("2026-05-25T11:00:00.000Z");
});

const ids = (response: { body: { items: { id: string }[] } }) => response.body.items.map((n) => n.id);

describe("GET /api/notifications", () => {
  itRequiresAValidToken(t, { method: "GET", path: "/api/notifications" });

  it("lists the caller's own notifications in the token's tenants, newest first, without the user id", async () => {
    const response = await t.call("GET", "/api/notifications", { as: { permissions: [] } });
    expect(response.status).toBe(200);
    expect(ids(response)).toEqual(["ntf-user-1-3", "ntf-user-1-2", "ntf-user-1-1"]);
    expect(response.body.items[1]).toEqual({
      id: "ntf-user-1-2",
      tenantId: "tenant-a",
      installId: "mkt-install-2",
      kind: "InstallSucceeded",
      title: "Install 2 succeeded",
      body: "5 artifacts installed",
      link: "/api/installhub/imports/imp-2",
      createdAt: "2026-05-25T10:32:00.000Z",
      readAt: null,
    });
    expect(response.body.nextCursor).toBeNull();
  });

  it("pages with nextCursor, and lists only unread ones with unread=true", async () => {
    const first = await t.call("GET", "/api/notifications?limit=2");
    expect(ids(first)).toEqual(["ntf-user-1-3", "ntf-user-1-2"]);
    expect(first.body.nextCursor).toBe("2026-05-25T10:32:00.000Z|ntf-user-1-2");
    const second = await t.call(
      "GET",
      `/api/notifications?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(ids(second)).toEqual(["ntf-user-1-1"]);
    expect(second.body.nextCursor).toBeNull();
    const unread = await t.call("GET", "/api/notifications?unread=true");
    expect(ids(unread)).toEqual(["ntf-user-1-2", "ntf-user-1-1"]);
    const all = await t.call("GET", "/api/notifications?unread=false");
    expect(ids(all)).toHaveLength(3);
  });

  itNamesTheInvalidField(t, "GET", [
    ["/api/notifications?unread=1", "unread"],
    ["/api/notifications?limit=-1", "limit"],
    ["/api/notifications?cursor=ntf-user-1-2", "cursor"],
  ]);
});

describe("POST /api/notifications/{id}/read", () => {
  const readPath = (id: string) => `/api/notifications/${id}/read`;
  itRequiresAValidToken(t, { method: "POST", path: readPath("ntf-user-1-1") });

  it("sets readAt to now the first time and keeps it after, answering the notification", async () => {
    const first = await t.call("POST", readPath("ntf-user-1-1"));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      id: "ntf-user-1-1",
      tenantId: "tenant-a",
      installId: "mkt-install-1",
      kind: "InstallSucceeded",
      title: "Install 1 succeeded",
      body: "5 artifacts installed",
      link: "/api/installhub/imports/imp-1",
      createdAt: "2026-05-25T10:31:00.000Z",
      readAt: "2026-05-25T11:00:00.000Z",
    });
    t.deps.now = () => new Date("2026-05-25T12:00:00.000Z");
    const again = await t.call("POST", readPath("ntf-user-1-1"));
    expect(again.body.readAt).toBe("2026-05-25T11:00:00.000Z");
    const unread = await t.call("GET", "/api/notifications?unread=true");
    expect(ids(unread)).toEqual(["ntf-user-1-2"]);
  });

  it.each([
    ["someone else's", "ntf-someone-else-4"],
    ["one in a tenant no longer in the token", "ntf-user-1-5"],
    ["an unknown one", "ntf-unknown"],
  ])("answers 404 NotificationNotFound for %s, and marks nothing", async (_, id) => {
    const response = await t.call("POST", readPath(id));
    expect(response).toMatchObject({
      status: 404,
      body: { error: "NotificationNotFound", message: `Notification '${id}' was not found` },
    });
    expect(t.deps.notifications.documents.filter((n) => n.readAt !== null).map((n) => n._id)).toEqual([
      "ntf-user-1-3",
    ]);
  });
});
