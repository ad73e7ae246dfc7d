/**
 * The shape of the JSON config file read by main.ts and the CLI. Types and
 * unknown keys are checked here (zod); value rules live with the constructs
 * and run afterwards (config.ts), so both report the same messages.
 */
import { z } from 'zod';

const secretRef = z
  .object({
    secretsManagerArn: z.string().optional(),
    jsonKey: z.string().optional(),
    kmsKeyArn: z.string().optional(),
    ssmParameter: z.string().optional(),
  })
  .strict();

const stringList = z.array(z.string());

export const configSchema = z
  .object({
    region: z.string(),
    backend: z
      .object({
        s3: z
          .object({
            bucket: z.string(),
            key: z.string(),
            region: z.string(),
            dynamodbTable: z.string().optional(),
            encrypt: z.boolean().optional(),
          })
          .strict(),
      })
      .strict()
      .optional(),
    hostname: z.string(),
    hostedZone: z
      .object({ id: z.string().optional(), name: z.string().optional(), private: z.boolean().optional() })
      .strict(),
    replyRecord: z.string().optional(),
    appliance: z
      .object({
        vpcId: z.string(),
        subnetId: z.string(),
        instanceType: z.string().optional(),
        ghesVersion: z.string().optional(),
        amiId: z.string().optional(),
        dataVolumeGiB: z.number().optional(),
        rootVolumeGiB: z.number().optional(),
        ipv6: z.boolean().optional(),
        adminCidrs: stringList,
        allowPublicAdmin: z.boolean().optional(),
        userCidrs: stringList.optional(),
      })
      .strict()
      .optional(),
    existingInstance: z
      .object({
        ipv4Address: z.string(),
        ipv6Address: z.string().optional(),
        securityGroupIds: stringList.optional(),
        networkInterfaceId: z.string().optional(),
      })
      .strict()
      .optional(),
    inboundMail: z
      .object({ allowedCidrs: stringList.optional(), prefixListIds: stringList.optional() })
      .strict()
      .optional(),
    dns: z
      .object({ ttl: z.number().optional(), mxPriority: z.number().optional(), hostRecord: z.boolean().optional() })
      .strict()
      .optional(),
    // SPF/DMARC for the no-reply address's domain (lib/sender-auth/sender-auth-records.ts).
    senderAuth: z
      .object({
        hostedZone: z
          .object({ id: z.string().optional(), name: z.string().optional(), private: z.boolean().optional() })
          .strict()
          .optional(),
        dmarc: z
          .object({ policy: z.string().optional(), rua: stringList.optional(), pct: z.number().optional() })
          .strict()
          .optional(),
        spf: z
          .object({
            include: stringList.optional(),
            ip4: stringList.optional(),
            ip6: stringList.optional(),
            all: z.string().optional(),
            otherTxtValues: stringList.optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    smtp: z
      .object({
        enabled: z.boolean().optional(),
        // Required unless relay (checked with the other value rules, so the message can say so).
        address: z.string().optional(),
        port: z.number().optional(),
        domain: z.string(),
        authentication: z.string().optional(),
        username: z.string().optional(),
        password: secretRef.optional(),
        // {username, password} in one Secrets Manager JSON secret (what a deployed SES relay's outputs hold).
        credentials: secretRef.optional(),
        // Amazon SES set up by ghes-email (lib/smtp/ses-relay.ts), instead of address/username/password. Unknown keys
        // are reported by sesRelayFromConfig: a typo must not drop the block and make the relay fields look missing.
        relay: z
          .object({
            ses: z
              .object({ mailFromSubdomain: z.string().optional(), smtpPasswordInState: z.boolean().optional() })
              .passthrough()
              .optional(),
          })
          .passthrough()
          .optional(),
        noreplyAddress: z.string(),
        discardToNoreplyAddress: z.boolean().optional(),
        support: z.discriminatedUnion('type', [
          z.object({ type: z.literal('email'), address: z.string() }).strict(),
          z.object({ type: z.literal('url'), url: z.string() }).strict(),
        ]),
        enforceTls: z.boolean().optional(),
        enableStarttlsAuto: z.boolean().optional(),
        extraSettings: z.record(z.union([z.string(), z.number(), z.boolean()])).optional(),
      })
      .strict()
      // Optional with an existing instance: the firewall and the DNS records only (the instance keeps its settings).
      .optional(),
    managementConsole: z
      .object({
        password: secretRef,
        license: secretRef.optional(),
        initialize: z.boolean().optional(),
        waitForInitMinutes: z.number().optional(),
      })
      .strict()
      .optional(),
    // Port-25 monitoring (lib/monitoring/port25-monitor.ts): `true`, or the options.
    monitoring: z
      .object({
        port25: z
          .union([
            z.boolean(),
            z
              .object({
                emails: stringList.optional(),
                failureThreshold: z.number().optional(),
                requestInterval: z.number().optional(),
                evaluationPeriods: z.number().optional(),
                allowHealthCheckers: z.boolean().optional(),
              })
              .strict(),
          ])
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The config file, as typed after the shape check. */
export type GhesEmailConfig = z.infer<typeof configSchema>;
export type SecretRefJson = z.infer<typeof secretRef>;
