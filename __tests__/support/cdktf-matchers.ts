// cdktf's jest matchers (toHaveResourceWithProperties, ...), imported by the suites that use them
// rather than set up for every suite: loading cdktf's testing adapter costs ~0.1 s of CPU per suite.
// toBeValidTerraform and toPlanSuccessfully need terraform with providers, which these machines
// cannot download; the engine harness (support/engine) does that job.
import { Testing } from 'cdktf';
import 'cdktf/lib/testing/adapters/jest';

Testing.setupJest();
