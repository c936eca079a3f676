/**
 * The domain's zod schemas run in the page. Unless zod is jitless it probes
 * `new Function`, which the CSP (no 'unsafe-eval') refuses, and Firefox
 * reports the refusal as an error although zod catches it. zod reads its
 * settings from `globalThis.__zod_globalConfig` when it loads (it keeps an
 * object already there), so this module, its own entry that index.html runs
 * before main's (console/build.ts), sets them before any chunk loads zod.
 */
const g = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
g.__zod_globalConfig = { ...g.__zod_globalConfig, jitless: true };
