// The e2e servers' ports. E2E_PORT_BASE moves all three, so that two runs can share a machine.
const base = Number(process.env.E2E_PORT_BASE ?? 4318);

export const APP_PORT = base;
export const HARNESS_PORT = base + 1;
export const HUB_PORT = base + 2;
export const HUB_URL = `http://localhost:${HUB_PORT}`;
