// Placeholder: replaced by the local-stack test harness.
export default async function setup(): Promise<void> {}
