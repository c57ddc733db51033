import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError, type NotificationDocument } from "@installhub/shared";
import { decodeCursor, encodeCursor } from "../../domain/cursor.ts";
import type { GatewayDeps, GatewayEnv } from "./context.ts";
import { validationHook } from "./errors.ts";
import { errorResponses, Notification, PageQuery, pageOf } from "./schemas.ts";

const security = [{ bearerAuth: [] }];

const viewOf = ({ _id, userId: _userId, ...notification }: NotificationDocument) => ({
  id: _id,
  ...notification,
});

/** The caller's own in-app notifications. */
export function notificationRoutes(deps: GatewayDeps) {
  const app = new OpenAPIHono<GatewayEnv>({ defaultHook: validationHook });

  const list = createRoute({
    method: "get",
    path: "/api/notifications",
    tags: ["Notifications"],
    summary: "The caller's notifications, newest first",
    security,
    request: {
      query: z.object({
        unread: z.enum(["true", "false"]).optional().openapi({ description: "true: only unread ones" }),
        ...PageQuery,
      }),
    },
    responses: {
      200: {
        description: "One page of notifications",
        content: { "application/json": { schema: pageOf(Notification, "NotificationPage") } },
      },
      ...errorResponses(400, 401),
    },
  });
  app.openapi(list, async (c) => {
    const query = c.req.valid("query");
    const found = await deps.notifications.listForUser({
      userId: c.var.caller.sub,
      tenants: c.var.caller.tenants,
      unreadOnly: query.unread === "true",
      after: decodeCursor(query.cursor),
      limit: query.limit + 1,
    });
    const page = found.slice(0, query.limit);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map(viewOf),
        nextCursor:
          found.length > query.limit && last
            ? encodeCursor({ sortValue: last.createdAt, id: last._id })
            : null,
      },
      200,
    );
  });

  const markRead = createRoute({
    method: "post",
    path: "/api/notifications/{id}/read",
    tags: ["Notifications"],
    summary: "Mark a notification read (readAt is set once)",
    security,
    request: { params: z.object({ id: z.string().min(1) }) },
    responses: {
      200: { description: "The notification", content: { "application/json": { schema: Notification } } },
      ...errorResponses(401, 404),
    },
  });
  app.openapi(markRead, async (c) => {
    const { id } = c.req.valid("param");
    const caller = c.var.caller;
    const notification = await deps.notifications.markRead(
      { userId: caller.sub, tenants: caller.tenants },
      id,
      deps.now(),
    );
    if (!notification) throw new AppError("NotificationNotFound", `Notification '${id}' was not found`);
    return c.json(viewOf(notification), 200);
  });
  return app;
}
