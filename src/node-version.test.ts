import { describe, expect, it } from 'vitest';
import { neededNodeMajor, nodeVersionProblem } from './node-version.js';

describe('nodeVersionProblem', () => {
  it('takes the version needed from package.json, as npm install does', () => {
    expect(neededNodeMajor()).toBe(22);
  });

  it('accepts the version needed and newer, and names what was found otherwise', () => {
    expect(nodeVersionProblem('22.0.0', 22, '/usr/bin/node')).toBeUndefined();
    expect(nodeVersionProblem('24.11.1', 22, '/usr/bin/node')).toBeUndefined();
    expect(nodeVersionProblem('21.7.3', 22, '/usr/bin/node')).toBe(
      'countersign needs Node.js 22 or newer, and this is Node.js 21.7.3 (/usr/bin/node): install Node.js 24 LTS (https://nodejs.org/en/download, or `nvm install 24`), then run it again.',
    );
  });
});
