// cdktf's jest matchers (toHaveResourceWithProperties, ...). toBeValidTerraform and
// toPlanSuccessfully need terraform with providers, which these machines cannot download.
import { Testing } from 'cdktf';
import 'cdktf/lib/testing/adapters/jest';

Testing.setupJest();
