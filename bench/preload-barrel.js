// The root-barrel variant: load the provider through its package root, as
// `import { Route53Record } from '@cdktf/provider-aws'` would. The stack code's deep
// imports then resolve from the module cache, so the stack is the same.
require('@cdktf/provider-aws');
