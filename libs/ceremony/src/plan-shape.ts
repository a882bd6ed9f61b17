/**
 * The shape of a ceremony plan read from a file or a peer (a transcript carries it): every field
 * validatePlan and the replay read has the type they read it as. Checked before the plan's rules,
 * so a damaged or hostile plan is an InvalidPlanError naming the field, never a TypeError from
 * reading a field of something that is not an object.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ a: string, b: number }`-style check of the fields `value` must hold, by their typeof. */
function fieldsProblem(value: unknown, where: string, fields: Readonly<Record<string, 'string' | 'number'>>): string | null {
  if (!isObject(value)) return `${where} must be an object`;
  for (const [name, type] of Object.entries(fields)) if (typeof value[name] !== type) return `${where}.${name} must be a ${type}`;
  return null;
}

/** The first field of `plan` of the wrong type, or null. */
export function planShapeProblem(plan: unknown): string | null {
  if (!isObject(plan)) return 'the plan must be an object';
  const top = fieldsProblem(plan, 'the plan', { ceremonyId: 'string', chainId: 'string', coordinator: 'string', onMissingContribution: 'string', createdAt: 'string' });
  if (top !== null) return top;
  if (!Array.isArray(plan.members)) return 'members must be a list';
  for (const [i, member] of plan.members.entries()) {
    const problem = fieldsProblem(member, `members[${i}]`, { id: 'string', publicKey: 'string' });
    if (problem !== null) return problem;
  }
  if (!Array.isArray(plan.circuits)) return 'circuits must be a list';
  for (const [i, circuit] of plan.circuits.entries()) {
    const problem = fieldsProblem(circuit, `circuits[${i}]`, { name: 'string', r1csSha256: 'string' });
    if (problem !== null) return problem;
  }
  const phase1 = plan.phase1;
  if (!isObject(phase1) || (phase1.source !== 'ceremony' && phase1.source !== 'import')) return 'phase1 must be { source: "ceremony" | "import", power, ... }';
  const phase1Problem = fieldsProblem(phase1, 'phase1', phase1.source === 'import' ? { power: 'number', file: 'string', sha256: 'string' } : { power: 'number' });
  return phase1Problem ?? fieldsProblem(plan.beacon, 'beacon', { source: 'string' });
}

/** The first entry of a list of `{ member, signature }` (plan signatures, attestations) that is not one, or null. */
export function signaturesShapeProblem(signatures: unknown, what: string): string | null {
  if (!Array.isArray(signatures)) return `${what} must be a list`;
  for (const [i, signature] of signatures.entries()) {
    const problem = fieldsProblem(signature, `${what}[${i}]`, { member: 'string', signature: 'string' });
    if (problem !== null) return problem;
  }
  return null;
}
