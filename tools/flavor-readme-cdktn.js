/**
 * How the cdktn flavor's README (ghes-email-cdktn's front page) differs from this tree's: tools/flavor.js
 * mapReadme applies `rules` (each must still match the README: a README edit that breaks one fails generation, and
 * __tests__/tools/flavor.test.ts), then `installSpecs`, then maps imports, the tarball name and the word cdktf.
 * A rule's text matches across line wraps; what it writes is final (not mapped again).
 */
'use strict';

module.exports = {
  source: 'tools/flavor-readme-cdktn.js',
  rules: [
    [
      'with CDK for Terraform (cdktf, TypeScript)',
      'with CDK Terrain (cdktn, TypeScript), the maintained fork of CDK for Terraform (cdktf)',
    ],
    [
      'It ships for cdktf and for its maintained fork, cdktn.',
      'This is its cdktn flavor, `ghes-email-cdktn`; for cdktf, install `ghes-email`.',
    ],
    ['**Node 22** LTS with npm', '**Node 22** (≥ 22.19) with npm'],
    [
      `Node 20 (≥ 20.9) still runs both, but it is past its end of life: the \`ghes-email\` CLI says so in one
      line, and AWS SDK releases after January 2027 need Node 22. On Node 24 everything works, but cdktf-cli's
      commands (\`cdktf synth\`, \`cdktf deploy\`) only once its native node-pty is compiled for Node 24: see
      [Node versions](docs/flavors.md#node-versions).`,
      'cdktn-cli needs Node ≥ 22.19: no older Node runs this flavor. Node 24 runs the app command, `cdktn synth`, ' +
        '`cdktn deploy` and the `ghes-email` CLI: see [Node versions](docs/flavors.md#node-versions).',
    ],
    [
      `CI (\`.ci/run\`) runs exactly these on Node 20, the synth and the jest suite again on Node 22 (\`npm run
      test:node22\`), and checks the package as a user gets it, the cdktn flavor and Node 24; see
      [CONTRIBUTING.md](CONTRIBUTING.md#development).`,
      'CI (`.ci/run` in the ghes-email repository) generates this flavor and runs both under Node 22, then ' +
        "the flavor's Node 24 checks (`npm run test:cdktn`); see [CONTRIBUTING.md](CONTRIBUTING.md#development).",
    ],
    [
      'ghes-email is not on the npm registry yet. Install it from a tarball you pack:',
      'ghes-email-cdktn is not on the npm registry yet. Build it from a ' +
        'clone of the ghes-email repository and install the tarball:',
    ],
    [
      'in a clone of this repository: build and pack',
      'in a clone of the ghes-email repository (Node ≥ 22.19): generate the flavor in build/cdktn, build and pack it',
    ],
    ['npm ci && npm pack', 'node tools/flavor.js cdktn && cd build/cdktn && npm ci && npm pack'],
    ['../ghes-email/ghes-email-', '../ghes-email/build/cdktn/ghes-email-cdktn-'],
    [
      `or from git: \`npm install 'git+<URL of this repository>#<tag or commit>'\` with the same peers (npm then
      runs our \`prepare\` script, which builds \`dist/\`; to do so it installs our devDependencies, about 1 GB,
      once per version). \`npm run test:consumer\` tests both ways.`,
      'The flavor is generated, so no git repository serves it: the tarball is the way ' +
        '([building the flavor](docs/flavors.md#building-the-cdktn-flavor)). `npm run test:cdktn` tests it.',
    ],
    [
      'On cdktn, install `ghes-email-cdktn` ([docs/flavors.md](docs/flavors.md)).',
      "This README is the cdktn flavor's; for cdktf, install `ghes-email` ([docs/flavors.md](docs/flavors.md)).",
    ],
  ],
  /** The install lines' package specs (whole specs only). */
  installSpecs: {
    'cdktf@0.21': 'cdktn@0.24',
    'cdktf-cli@0.21': 'cdktn-cli@0.24',
    'constructs@10': "'constructs@>=10.6 <10.8'",
    '@cdktf/provider-aws@21': '@cdktn/provider-aws@25',
  },
};
