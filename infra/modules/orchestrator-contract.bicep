// The orchestrator container's side of the online-endpoint contract: the port it listens on
// and its liveness, readiness and scoring routes (docs/contracts.md, contract B). The scoring
// server defines them in orchestrator/src/scoring-server.ts and orchestrator/src/config.ts, the
// image sets PORT in infra/orchestrator.Dockerfile; infra/test/arm.test.ts reads both and fails
// when these values drift from them.

@export()
@description('Port and routes of the orchestrator container, as its scoring server serves them.')
var orchestratorContainer = {
  port: 8080
  livenessPath: '/health/live'
  readinessPath: '/health/ready'
  scoringPath: '/score'
}
