// The public surface of ghes-email: constructs, value types and the config loader.
export * from './problems';
export * from './terraform-literals';
export * from './secret-ref';
export * from './smtp-settings';
export * from './inbound-mail-firewall';
export * from './reply-dns-records';
export * from './ghes-ami';
export * from './boot-script-seam';
export * from './boot-script';
export * from './ghes-appliance';
export * from './ghes-email';
export * from './config';
export * from './ghes-email-stack';
