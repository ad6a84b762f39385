// Once for the cluster suite: the app is built (the suite runs dist/ entry points). Each target starts its own
// Temporal service, since the suite restarts it.
import { buildApp } from '../support/build.js';

export default async function setup() {
  await buildApp();
}
