# The orchestrator as an Azure ML managed online endpoint custom container.
# Build from the repository root: docker build -f infra/orchestrator.Dockerfile .
#
# The deployment's inference_config must match what the server serves (checked by
# orchestrator/test/dockerfile.test.ts):
#   inference_config: port 8080, liveness /health/live, readiness /health/ready, scoring /score
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
# HOST: the platform checks the endpoint key (or Entra token) before a request reaches the
# container, and probes it from outside, so it listens on all interfaces even without
# ORCHESTRATOR_KEYS (which stays available as defence in depth).
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/orchestrator/package.json orchestrator/
# Only the orchestrator's production dependencies (the Azure SDKs, openai, the tokenizer, the
# local index's few packages). Not the optional embedding runtime (@huggingface/transformers and
# ONNX Runtime, about 700 MB): in Azure the answers are grounded in Azure AI Search, and the
# image's local fallback index stays keyword-only (LOCAL_EMBEDDINGS=off, docs/orchestrator.md).
ENV LOCAL_EMBEDDINGS=off
RUN npm ci --workspace @grounded-chat/orchestrator --omit=dev --omit=optional --ignore-scripts && npm cache clean --force
COPY --from=build /app/orchestrator/dist orchestrator/dist
COPY orchestrator/bin orchestrator/bin
# The local corpus and its index, at the defaults the server resolves against its working
# directory (/app/docs, /app/.grounded-chat), built at image build time so the container is
# ready at start. Unused when AZURE_SEARCH_ENDPOINT is set.
COPY docs docs
RUN node orchestrator/dist/cli.js ingest docs --index-dir /app/.grounded-chat
USER node
EXPOSE 8080
# SIGTERM (the platform replacing the container) lets open answers finish (SHUTDOWN_GRACE_MS).
CMD ["node", "--import", "./orchestrator/dist/telemetry/register.js", "orchestrator/dist/server.js"]
