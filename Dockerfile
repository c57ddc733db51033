# One image for the four services; SERVICE picks which one runs (gateway, scanner, installer, notifier).
FROM node:24-slim AS deps
WORKDIR /app
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# The dependencies patched in pnpm-workspace.yaml (patchedDependencies): the install applies them.
COPY patches patches
COPY packages/shared/package.json packages/shared/
COPY services/gateway/package.json services/gateway/
COPY services/scanner/package.json services/scanner/
COPY services/installer/package.json services/installer/
COPY services/notifier/package.json services/notifier/
RUN pnpm install --frozen-lockfile

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app /app
COPY tsconfig.json ./
COPY packages packages
COPY services services
COPY scripts scripts
COPY examples examples
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
ARG SERVICE=gateway
ENV SERVICE=${SERVICE}
CMD ["sh", "-c", "exec node services/${SERVICE}/src/main.ts"]
