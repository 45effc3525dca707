# The orchestrator as an Azure ML managed online endpoint custom container.
# Build from the repository root: docker build -f infra/orchestrator.Dockerfile .
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY orchestrator/package.json orchestrator/
COPY server-kit/package.json server-kit/
COPY widget/package.json widget/
COPY demo-site/package.json demo-site/
RUN npm ci --workspace @grounded-chat/orchestrator --include-workspace-root --ignore-scripts
COPY orchestrator orchestrator
RUN npx tsc -b orchestrator

FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/orchestrator/package.json orchestrator/
# Only the orchestrator's production dependencies (checked offline: 7 packages).
RUN npm ci --workspace @grounded-chat/orchestrator --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/orchestrator/dist orchestrator/dist
COPY orchestrator/bin orchestrator/bin
COPY docs docs
# Build the local index at image build time so the container is ready at start.
RUN node orchestrator/dist/cli.js ingest docs --index-dir /app/.grounded-chat
USER node
EXPOSE 8080
CMD ["node", "orchestrator/dist/server.js"]
