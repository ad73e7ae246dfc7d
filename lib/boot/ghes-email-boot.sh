#!/usr/bin/env bash
# ghes-email boot script (EC2 user data). Applies the SMTP settings through the
# GHES Manage API at first boot. Settings are rendered in at synth; secrets are
# fetched at boot by reference and never written to logs or argv.
set -euo pipefail

# @@GHES_EMAIL_SETTINGS@@

echo "ghes-email boot script: not implemented yet" >&2
exit 1
