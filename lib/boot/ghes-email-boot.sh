#!/usr/bin/env bash
# ghes-email boot script (EC2 user data): applies the SMTP settings through the
# GHES Manage API at first boot. Source: lib/boot/ghes-email-boot.sh in the
# ghes-email package; comments and indentation are stripped from user data.
#
# Settings are rendered in at synth between the SETTINGS markers; secrets are
# fetched at boot by reference (Secrets Manager / SSM, SigV4-signed with the
# instance role) and kept in shell variables only: never in argv (curl reads
# them from 0600 files), the environment of a child process, or the log.
# Needs only bash >= 5.0 (EPOCHREALTIME), curl and openssl (no jq, no python).
#
# Exit codes: 0 done (or already done), 1 unexpected error, 2 script not
# rendered, 3 instance metadata service, 4 reading a secret, 5 Manage API not
# reachable, 6 Manage API authentication / initialization, 7 settings
# rejected, 8 config run failed, 9 config run did not finish in time; 10 is the
# packed user data's stub (lib/boot/user-data-packing.ts), which ran nothing.
#
# Environment overrides (tests, VPC endpoints); times in seconds, decimals ok:
#   GHES_EMAIL_LOG            /var/log/ghes-email-boot.log (mode 0600)
#   GHES_EMAIL_STATE_DIR      /var/lib/ghes-email (holds the "done" marker)
#   GHES_EMAIL_FORCE          1 = run again even if the marker says done
#   GHES_EMAIL_IMDS_ENDPOINT  http://169.254.169.254
#   GHES_EMAIL_SECRETSMANAGER_ENDPOINT  https://secretsmanager.<region>.amazonaws.com
#   GHES_EMAIL_SSM_ENDPOINT   https://ssm.<region>.amazonaws.com
#   GHES_EMAIL_CA_BUNDLE      CA file for the AWS endpoints (default: system CAs)
#   GHES_EMAIL_MANAGE_URL     https://localhost:8443 (self-signed: -k for it only)
#   GHES_EMAIL_BACKOFF_INITIAL 2, GHES_EMAIL_BACKOFF_MAX 30 (each retry is logged)
#   GHES_EMAIL_AWS_TIMEOUT    300   deadline for the metadata service and AWS APIs
#   GHES_EMAIL_SECRET_WAIT    3600  wait for a secret with no value yet (relay-credentials)
#   GHES_EMAIL_MANAGE_TIMEOUT 3600  deadline for the Manage API to come up
#   GHES_EMAIL_INIT_TIMEOUT   waitForInitMinutes*60: wait for an operator to initialize
#   GHES_EMAIL_WARN_401       300   warn (and repeat) after this long of HTTP 401
#   GHES_EMAIL_APPLY_POLL     15, GHES_EMAIL_APPLY_TIMEOUT 7200
#   GHES_EMAIL_REQUEST_TIMEOUT 30   per HTTP request
set -Eeuo pipefail
export LC_ALL=C TZ=UTC
umask 077

# @@GHES_EMAIL_SETTINGS_BEGIN@@
# Placeholders so the bare template lints; render() replaces this block.
SMTP_JSON=''
SETTINGS_SHA=''
ENFORCE_TLS=false
INITIALIZE=false
WAIT_INIT_MIN=240
ROOT_PW_REF=()
SMTP_PW_REF=()
LICENSE_REF=()
# @@GHES_EMAIL_SETTINGS_END@@

LOG=${GHES_EMAIL_LOG:-/var/log/ghes-email-boot.log}
STATE_DIR=${GHES_EMAIL_STATE_DIR:-/var/lib/ghes-email}
IMDS=${GHES_EMAIL_IMDS_ENDPOINT:-http://169.254.169.254}
MANAGE=${GHES_EMAIL_MANAGE_URL:-https://localhost:8443}
REQ_TIMEOUT=${GHES_EMAIL_REQUEST_TIMEOUT:-30}
AGAIN='then run the user data again as root with GHES_EMAIL_FORCE=1'
DAY2="or run 'ghes-email apply' from your workstation"
TMP=''
SECRETS=()
FAILED=''

# Functions hand back a value in R (bash's REPLY, shorter: user data is capped at
# 16 KB). Every line is redacted here, so no message can show a secret by
# mistake. The local R keeps the caller's.
log() {
  local line R
  redact "$*"
  printf -v line '%(%FT%TZ)T ghes-email-boot: %s' -1 "$R"
  printf '%s\n' "$line" >>"$LOG"
  printf '%s\n' "$line" >&2
}

# die CODE MESSAGE: the last log line says what failed and what to do.
die() {
  FAILED=1
  log "FAILED (exit $1): $2"
  exit "$1"
}

on_exit() {
  local rc=$?
  [[ -n $TMP ]] && rm -rf "$TMP"
  if ((rc != 0)) && [[ -z $FAILED ]]; then
    log "FAILED (exit $rc): unexpected error${ERR_LINE:+ at line $ERR_LINE}; see above, fix the cause, $AGAIN"
  fi
}

# ms VAR S: VAR = milliseconds from S seconds with up to 3 decimals ("0.05" -> 50).
# Locals start with _ so that they never hide the caller's VAR.
ms() {
  local _s=$2 _i _f
  [[ $_s =~ ^[0-9]*(\.[0-9]*)?$ && -n $_s ]] || die 2 "not seconds: '$_s'"
  _i=${_s%%.*}
  _f=${_s#"$_i"}
  _f=${_f#.}000
  printf -v "$1" %d $((10#${_i:-0} * 1000 + 10#${_f:0:3}))
}

now_ms() {
  local t=${EPOCHREALTIME//[!0-9]/}
  R=$((10#$t / 1000))
}

# backoff DEADLINE [WHAT]: bounded exponential backoff: sleep DELAY (ms,
# doubled up to BACKOFF_MAX_MS), never past DEADLINE (ms). Returns 1 when the
# deadline has passed. With WHAT, each retry is logged with the last error and
# the time left: BACKOFF_MAX plus one request (60 s by default) is the longest a
# wait stays silent (a silent hour at first boot looks like a hang).
DELAY=0
backoff() {
  local deadline=$1 left
  now_ms
  left=$((deadline - R))
  ((left > 0)) || return 1
  [[ -z ${2:-} ]] || log "waiting for $2: $(tail_err), $((left / 1000))s left"
  ((DELAY < left)) || DELAY=$left
  sleep "$((DELAY / 1000)).$(printf '%03d' $((DELAY % 1000)))"
  DELAY=$((DELAY * 2))
  ((DELAY <= BACKOFF_MAX_MS)) || DELAY=$BACKOFF_MAX_MS
}

# deadline_in VAR S: VAR = the time (ms) S seconds from now; the backoff starts again.
deadline_in() {
  local _d
  ms _d "$2"
  now_ms
  printf -v "$1" %d $((R + _d))
  DELAY=$BACKOFF_INITIAL_MS
}

# JSON string value of the first "KEY": "..." in TEXT, decoded into R.
json_get() {
  [[ $2 =~ \""$1"\"[[:space:]]*:[[:space:]]*\" ]] || return 1
  json_str "${2#*"${BASH_REMATCH[0]}"}"
}

# json_str S [all]: S (a JSON string after its opening quote) decoded up to its
# closing quote into R; 1 without one, or for a bad escape or \u0000. With
# all, for redact: the whole of S, each escape written the way json_escape
# writes its character (\u003C as <, \/ as /, \n as \u000a, \u0022 as \"): any
# escaped form of a secret then reads as its JSON form.
json_str() {
  local bs=\\ s=$1 a=${2:-} out='' c cp lo st=\"\\
  [[ -z $a ]] || st=$bs
  while :; do
    c=${s%%["$st"]*}
    out+=$c
    s=${s:${#c}}
    R=$out
    [[ -n $s ]] || { [[ -n $a ]]; return; }
    [[ ${s:0:1} != \" ]] || return 0
    c=${s:1:1}
    s=${s:2}
    case $c in
      [nrtbf]) printf -v c %b "\\$c" ;;
      u)
        if [[ ${s:0:4} =~ ^[0-9a-fA-F]{4}$ && ${s:0:4} != 0000 ]]; then
          cp=$((16#${s:0:4}))
          s=${s:4}
          if ((cp >= 0xD800 && cp < 0xDC00)) && [[ ${s:0:2} == "${bs}u" && ${s:2:4} =~ ^[0-9a-fA-F]{4}$ ]]; then
            lo=$((16#${s:2:4}))
            s=${s:6}
            cp=$((0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)))
          fi
          utf8 "$cp"
          c=$R
        else
          [[ -n $a ]] || return 1
          c=$bs$c
        fi
        ;;
    esac
    [[ -z $a || $c != [[:cntrl:]\"\\] ]] || { json_escape "$c"; c=$R; }
    out+=$c
  done
}

# The code point $1 as UTF-8 into R. One loop instead of a branch per length
# (user data is capped at 16 KB): continuation bytes (6 bits each) from the end
# while the rest does not fit the lead byte (7 bits alone, else 6 - k bits).
utf8() {
  local c=$1 f='' k=0
  while ((c >= (k ? 1 << (6 - k) : 128))); do
    printf -v f '\\x%02x%s' $((128 | (c & 63))) "$f"
    c=$((c >> 6)) k=$((k + 1))
  done
  printf -v f '\\x%02x%s' $((c | (k ? 0xFF80 >> k & 255 : 0))) "$f"
  printf -v R '%b' "$f"
}

# JSON-escapes $1 into R (without quotes). Bytes >= 0x80 pass through as UTF-8.
json_escape() {
  local s=$1 i c r
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  for ((i = 1; i < 32; i++)); do
    printf -v c '\\x%02x' "$i"
    printf -v c %b "$c"
    printf -v r '\\u%04x' "$i"
    s=${s//"$c"/"$r"}
  done
  R=$s
}

json_true() {
  [[ $2 =~ \"$1\"[[:space:]]*:[[:space:]]*true ]]
}

# add_secret V: V raw, JSON-escaped, in base64 (B64; also without padding),
# base64url and URL-encoded, for redact: a server that echoes a request shows
# the basic-auth header in base64, a form or query string shows a value
# URL-encoded (hex digits in either case, a space as %20 or +).
add_secret() {
  B64=$(printf '%s' "$1" | openssl base64 -A)
  local u=${B64%%=*} x
  u=${u//+/-}
  json_escape "$1"
  SECRETS+=("$1" "$R" "$B64" "${B64%%=*}" "${u//\//_}")
  for x in 02X 02x; do
    enc "$1" '' $x
    SECRETS+=("$R" "${R//%20/+}")
  done
}

# brief N: BODY redacted, at most N characters of it, into R. Only its
# first 4 KB is read (json_str copies the rest of the text at each escape): a
# secret under 2 KB cut at 4 KB starts past 2 KB, past what is kept even where
# escapes are decoded (6 characters to 1 at most).
brief() {
  redact "${BODY:0:4096}"
  R=${R:0:$1}
}

# Replaces every form of every fetched secret in $1 with <redacted>. Text with
# escapes is read again as json_str all writes it, where Go's HTML-safe \u003c,
# PHP's \/ or any \uXXXX reads as the JSON form; that reading is kept only if it
# finds a secret (the same scheme as lib/cli/secrets/redact-secrets.ts).
redact() {
  local s=$1 v c
  for v in "${SECRETS[@]}"; do
    [[ -z $v ]] || s=${s//"$v"/<redacted>}
  done
  if [[ -z ${2:-} && $s == *\\* ]]; then
    json_str "$s" all
    c=$R
    redact "$c" again
    [[ $R == "$c" ]] || s=$R
  fi
  R=$s
}

sha256_hex() {
  local h _
  read -r h _ < <(openssl dgst -sha256 -r)
  printf '%s' "$h"
}

# R = HMAC-SHA256 of $2 with the hex key $1, computed from two SHA-256
# passes so that no key ever appears on a command line (openssl -hmac would show it).
hmac() {
  local k=$1 i b x ip='' op=''
  while ((${#k} < 128)); do k+='0'; done
  for ((i = 0; i < 128; i += 2)); do
    b=$((16#${k:i:2}))
    printf -v x '\\x%02x' $((b ^ 0x36))
    ip+=$x
    printf -v x '\\x%02x' $((b ^ 0x5c))
    op+=$x
  done
  R=$({ printf '%b' "$op"; { printf '%b' "$ip"; printf '%s' "$2"; } | openssl dgst -sha256 -binary; } | sha256_hex)
}

# enc S [x] [HEX]: S URL-encoded (RFC 3986) into R, each byte's hex as printf
# HEX (02X, or 02x for lowercase); with x, every byte is encoded (%XX: strip
# the % for a hex key). LC_ALL=C: ${s:i:1} is one byte.
enc() {
  local s=$1 i c out='' f=%%%${3:-02X}
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    # shellcheck disable=SC2059 # f is %%%02X or %%%02x, set above, never input
    [[ -z ${2:-} && $c == [A-Za-z0-9._~-] ]] || printf -v c "$f" "'$c"
    out+=$c
  done
  R=$out
}

# curl with the response in $TMP/body and the status in CODE (000: no response).
http() {
  CODE=$(curl -sS -o "$TMP/body" -w '%{http_code}' --connect-timeout 10 --max-time "$REQ_TIMEOUT" "$@" 2>>"$TMP/curl-err") || true
  [[ $CODE =~ ^[0-9]{3}$ ]] || CODE=000
  BODY=$(<"$TMP/body") || BODY=''
  : >"$TMP/body"
}

# imds METHOD PATH: an IMDSv2 request (PUT asks for the token, GET sends it) into
# BODY. No answer and 5xx are retried until IMDS_DEADLINE; anything else but 200 is fatal.
imds() {
  local hdr=$TMP/h-imds
  [[ $1 == GET ]] || hdr=$TMP/h-ttl
  while :; do
    http -X "$1" -H @"$hdr" "$IMDS$2"
    [[ $CODE == 200 ]] && return 0
    if [[ $CODE != 000 && $CODE != 5* ]] || ! backoff "$IMDS_DEADLINE" "$IMDS$2"; then
      die 3 "metadata service $IMDS$2: $(tail_err); enable instance metadata (IMDSv2) and the instance profile ghes-email creates, $AGAIN"
    fi
  done
}

imds_login() {
  local role
  deadline_in IMDS_DEADLINE "${GHES_EMAIL_AWS_TIMEOUT:-300}"
  log "1/6 region and role credentials from $IMDS"
  printf 'X-aws-ec2-metadata-token-ttl-seconds: 21600\n' >"$TMP/h-ttl"
  imds PUT /latest/api/token
  printf 'X-aws-ec2-metadata-token: %s\n' "$BODY" >"$TMP/h-imds"
  imds GET /latest/meta-data/placement/region
  REGION=$BODY
  [[ $REGION =~ ^[a-z0-9-]+$ ]] || die 3 "metadata service: bad region; $AGAIN"
  local creds=/latest/meta-data/iam/security-credentials/ k
  imds GET "$creds"
  role=${BODY%%$'\n'*}
  local nocred="no role credentials in instance metadata; attach the instance profile ghes-email creates, $AGAIN"
  [[ -n $role ]] || die 3 "$nocred"
  imds GET "$creds$role"
  # AK, SK and ST from the JSON keys AccessKeyId, SecretAccessKey and Token.
  for k in AK=AccessKeyId SK=SecretAccessKey ST=Token; do
    json_get "${k#*=}" "$BODY" || die 3 "$nocred"
    printf -v "${k%=*}" %s "$R"
  done
  add_secret "$SK"
  add_secret "$ST"
  # New credentials: aws_call derives its signing key again.
  SIGN_SCOPE='' SIGN_KEY=''
  log "region $REGION, role $role"
}

# aws_call SERVICE REGION ENDPOINT TARGET BODY NAME: a SigV4-signed AWS JSON 1.1
# call. No answer, 5xx, throttling and AccessDenied are retried until the AWS
# deadline: a new instance role's policy takes a while to apply (IAM is
# eventually consistent), and a denied read at first boot is often that race.
# A secret without a value yet ("can't find the specified secret value") is
# awaited until GHES_EMAIL_SECRET_WAIT: the SES relay's secret stays empty
# until someone runs `ghes-email relay-credentials`, maybe after deploy.
aws_call() {
  local service=$1 region=$2 url=$3 target=$4 body=$5 host date day scope hd creq sts k deadline w
  local sh='content-type;host;x-amz-date;x-amz-security-token;x-amz-target'
  host=${url#*://}
  host=${host%%/*}
  deadline_in w "${GHES_EMAIL_SECRET_WAIT:-3600}"
  deadline_in deadline "${GHES_EMAIL_AWS_TIMEOUT:-300}"
  while :; do
    printf -v date '%(%Y%m%dT%H%M%SZ)T' -1
    day=${date:0:8}
    scope="$day/$region/$service/aws4_request"
    # The signed headers, as SigV4 canonicalizes them and as curl sends them (-H @file).
    printf -v hd 'content-type:application/x-amz-json-1.1\nhost:%s\nx-amz-date:%s\nx-amz-security-token:%s\nx-amz-target:%s\n' "$host" "$date" "$ST" "$target"
    creq="POST"$'\n/\n\n'"$hd"$'\n'"$sh"$'\n'"$(printf '%s' "$body" | sha256_hex)"
    sts="AWS4-HMAC-SHA256"$'\n'"$date"$'\n'"$scope"$'\n'"$(printf '%s' "$creq" | sha256_hex)"
    # The signing key depends only on the day, region and service: derive it once per scope.
    if [[ $SIGN_SCOPE != "$scope" ]]; then
      enc "AWS4$SK" x
      R=${R//%/}
      for k in "$day" "$region" "$service" aws4_request; do hmac "$R" "$k"; done
      SIGN_KEY=$R SIGN_SCOPE=$scope
    fi
    hmac "$SIGN_KEY" "$sts"
    printf '%sauthorization:AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=%s, Signature=%s\n' "$hd" "$AK/$scope" "$sh" "$R" >"$TMP/h-aws"
    printf '%s' "$body" >"$TMP/req"
    http -X POST -H @"$TMP/h-aws" --data-binary @"$TMP/req" ${GHES_EMAIL_CA_BUNDLE:+--cacert "$GHES_EMAIL_CA_BUNDLE"} "$url/"
    # Only error answers: a secret's value may contain any text.
    [[ $CODE$BODY =~ ^4.*secret\ value ]] && deadline=$w
    [[ $CODE == 000 || $CODE == 5* || ($CODE == 4* && $BODY =~ Throttl|AccessDenied|secret\ value) ]] || return 0
    backoff "$deadline" "the $6" || return 0
  done
}

# fetch NAME KIND ID [JSON_KEY [USER_KEY]]: the secret's value into R (or
# FILE for binary); USER_KEY, a second key of the same JSON secret, into SMTP_USER;
# where it was read from into FROM, and a log line that says so.
fetch() {
  local name=$1 kind=$2 id=$3 key=${4:-} region=${REGION:-} err k url body target val=SecretString
  FILE=''
  ref_desc "$kind" "$id" "$key"
  # @@ONLY plaintext@@
  R=$id
  if [[ $kind != plaintext ]]; then
  # @@END plaintext@@
    json_escape "$id"
    case $kind in
      secretsmanager)
        url=${GHES_EMAIL_SECRETSMANAGER_ENDPOINT:-}
        target=secretsmanager.GetSecretValue body="{\"SecretId\":\"$R\"}"
        ;;
      # @@ONLY ssm@@
      ssm)
        url=${GHES_EMAIL_SSM_ENDPOINT:-}
        target=AmazonSSM.GetParameter body="{\"Name\":\"$R\",\"WithDecryption\":true}" val=Value
        ;;
      # @@END ssm@@
    esac
    # The signing region is the ARN's (a Secrets Manager secret is always an ARN); an SSM name uses the instance's.
    if [[ $id == arn:* ]]; then
      region=${id#arn:*:*:}
      region=${region%%:*}
    fi
    k=amazonaws.com
    [[ $region != cn-* ]] || k+=.cn
    aws_call "$kind" "$region" "${url:-https://$kind.$region.$k}" "$target" "$body" "$name"
    local noval="the $name in $id has no value or a NUL character; fix the secret, $AGAIN"
    if [[ $CODE != 200 ]]; then
      err=$(tail_err)
      json_get Message "$BODY" || json_get message "$BODY" || R=''
      die 4 "cannot read the $name from $FROM: $err${R:+ ($R)}; check the secret exists and the instance role may read it (and kms:Decrypt), $AGAIN"
    fi
    # The value: a secret's SecretString (JSON keys read from it) or a parameter's Value (no keys).
    if json_get "$val" "$BODY"; then
      BODY=$R
      for k in ${5:+"$5"} ${key:+"$key"}; do
        json_get "$k" "$BODY" || die 4 "$id: no string key \"$k\" in the JSON secret; fix the secret or jsonKey, $AGAIN"
        [[ $k != "${5:-}" ]] || SMTP_USER=$R
      done
    # @@ONLY initialize@@
    elif [[ $name == license ]] && json_get SecretBinary "$BODY"; then
      FILE=$TMP/$name.bin
      printf '%s' "$R" | openssl base64 -d -A >"$FILE" || die 4 "$noval"
      R=''
    # @@END initialize@@
    elif json_get SecretBinary "$BODY"; then
      # Only the license is a file; a password read as binary would reach GHES empty.
      die 4 "the $name in $id is a binary secret (SecretBinary); store it as text (SecretString), $AGAIN"
    else
      die 4 "$noval"
    fi
    BODY=''
  # @@ONLY plaintext@@
  fi
  # @@END plaintext@@
  # A password stored empty (or as binary, above) would reach GHES as no password at all.
  [[ -n $R$FILE ]] || die 4 "the $name in $FROM is empty; fix the secret, $AGAIN"
  log "read the $name from $FROM"
}

# ref_desc KIND ID [KEY]: FROM = where a secret lives, safe to log (never a literal);
# an unknown KIND (a settings block not written by render()) stops here.
ref_desc() {
  case $1 in
    # @@ONLY plaintext@@
    plaintext) FROM='the user data (SecretRef.unsafePlainText)' ;;
    # @@END plaintext@@
    secretsmanager) FROM="Secrets Manager secret $2${3:+ (JSON key \"$3\")}" ;;
    # @@ONLY ssm@@
    ssm) FROM="SSM parameter $2" ;;
    # @@END ssm@@
    # @@ONLY template@@
    *) die 2 "bad secret kind '$1'" ;;
    # @@END template@@
  esac
}

fetch_secrets() {
  # The metadata service only for a secret in AWS: a kind that starts with s (secretsmanager, ssm; not plaintext).
  # @@ONLY plaintext@@
  [[ " ${ROOT_PW_REF[0]:-} ${SMTP_PW_REF[0]:-} ${LICENSE_REF[0]:-}" != *" s"* ]] ||
  # @@END plaintext@@
  imds_login
  log "2/6 fetching secrets"
  fetch "root site administrator password" "${ROOT_PW_REF[@]}"
  ROOT_PW=$R
  WRONG="the root password in $FROM is wrong"
  FIXPW="put the right password in $FROM, $AGAIN"
  add_secret "$ROOT_PW"
  add_secret "api_key:$ROOT_PW"
  printf 'Authorization: Basic %s\n' "$B64" >"$TMP/h-auth"
  SMTP_PW='' SMTP_USER=''
  if ((${#SMTP_PW_REF[@]})); then
    fetch "SMTP password" "${SMTP_PW_REF[@]}"
    SMTP_PW=$R
    add_secret "$SMTP_PW"
  fi
  # @@ONLY initialize@@
  LICENSE=''
  if [[ $INITIALIZE == true ]]; then
    fetch license "${LICENSE_REF[@]}"
    LICENSE=${FILE:-$TMP/license.ghl}
    [[ -n $FILE ]] || printf '%s' "$R" >"$LICENSE"
  fi
  # @@END initialize@@
}

# manage METHOD PATH [curl args]: a Manage API call, retried while the API is
# down or restarting (no answer, 502, 503, 504) until the Manage deadline.
# Keeps the caller's DELAY, so that a polling caller's backoff still grows.
manage() {
  local method=$1 path=$2 deadline d=$DELAY
  shift 2
  deadline_in deadline "${GHES_EMAIL_MANAGE_TIMEOUT:-3600}"
  while :; do
    http -k -X "$method" -H @"$TMP/h-auth" "$@" "$MANAGE$path"
    [[ $CODE =~ ^(000|502|503|504)$ ]] || { DELAY=$d; return 0; }
    backoff "$deadline" "$method $path" || die 5 "Manage API $MANAGE down ($method $path: $(tail_err)); wait until GHES has booted, $AGAIN"
  done
}

# The last error: an AWS error type, an HTTP status or curl's message.
tail_err() {
  local l=''
  if [[ $CODE != 000 ]]; then
    json_get __type "$BODY" && l=${R##*#}
    l=${l:-HTTP $CODE}
  elif [[ -s $TMP/curl-err ]]; then
    l=$(tail -n 1 "$TMP/curl-err")
  fi
  printf '%s' "${l:-no answer}"
}

wait_initialized() {
  local deadline tried='' t0 w warn
  log "3/6 waiting for the Manage API at $MANAGE"
  manage GET /manage/v1/version
  log "the Manage API answers (HTTP $CODE)"
  ms w "${GHES_EMAIL_WARN_401:-300}"
  deadline_in deadline "${GHES_EMAIL_INIT_TIMEOUT:-$((WAIT_INIT_MIN * 60))}"
  now_ms
  t0=$R warn=$((R + w))
  log "4/6 checking the appliance is initialized"
  while :; do
    manage GET /manage/v1/config/settings
    case $CODE in
      200) return 0 ;;
      401)
        if [[ $INITIALIZE != true ]]; then
          log "HTTP 401: waiting for an operator to initialize the appliance (or $WRONG)"
        # @@ONLY initialize@@
        elif [[ -z $tried ]]; then
          tried=1
          log "HTTP 401: POST config/init with the license"
          printf '%s' "$ROOT_PW" >"$TMP/init-pw"
          manage POST /manage/v1/config/init -F "license=@$LICENSE;type=application/octet-stream" -F "password=<$TMP/init-pw"
          rm -f "$TMP/init-pw"
          [[ $CODE == 20[02] ]] || { brief 200; die 6 "$WRONG (HTTP 401; config/init: HTTP $CODE $R); $FIXPW"; }
          log "config/init accepted (HTTP $CODE)"
        else
          log "HTTP 401 after config/init; waiting"
        # @@END initialize@@
        fi
        # A wrong password would otherwise surface only at the deadline (hours).
        now_ms
        if ((R >= warn)); then
          warn=$((R + w))
          log "WARNING: HTTP 401 for $(((R - t0) / 1000))s: not initialized yet, or $WRONG (managementConsole.password); check that password signs in to the Management Console (port 8443); still waiting"
        fi
        ;;
      *)
        brief 200
        die 1 "GET config/settings: HTTP $CODE $R; $AGAIN"
        ;;
    esac
    backoff "$deadline" || die 6 "still HTTP 401: the appliance was not initialized in time, or $WRONG; initialize it or $FIXPW"
  done
}

put_settings() {
  local json=$SMTP_JSON k v
  log "5/6 PUT config/settings: smtp $json${SMTP_PW:+ + password from its secret}"
  # The schema has both username and user_name (see toManagePayload); each value JSON-escaped.
  for k in ${SMTP_USER:+username user_name} ${SMTP_PW:+password}; do
    v=$SMTP_USER
    [[ $k != p* ]] || v=$SMTP_PW
    json_escape "$v"
    json="${json%\}},\"$k\":\"$R\"}"
  done
  printf '{"smtp":%s}' "$json" >"$TMP/settings.json"
  manage PUT /manage/v1/config/settings -H 'Content-Type: application/json' --data-binary @"$TMP/settings.json"
  rm -f "$TMP/settings.json"
  [[ $CODE != 401 ]] || die 6 "$WRONG (HTTP 401); $FIXPW"
  [[ $CODE == 20[04] ]] || { brief 300; die 7 "settings rejected: HTTP $CODE $R; fix smtp in the config, $DAY2"; }
  log "settings staged (HTTP $CODE)"
}

run_apply() {
  local run deadline poll
  log "6/6 POST config/apply"
  manage POST /manage/v1/config/apply
  if ! json_get run_id "$BODY" || [[ $CODE != 20? || ! $R =~ ^[A-Za-z0-9._-]+$ ]]; then
    die 8 "POST config/apply: HTTP $CODE, no run_id; $DAY2"
  fi
  run=$R
  log "config run $run started"
  deadline_in deadline "${GHES_EMAIL_APPLY_TIMEOUT:-7200}"
  ms poll "${GHES_EMAIL_APPLY_POLL:-15}"
  while :; do
    manage GET "/manage/v1/config/apply?run_id=$run"
    [[ $CODE == 200 ]] || die 8 "GET config/apply: HTTP $CODE; check run $run in the Management Console, $DAY2"
    if ! json_true running "$BODY"; then
      if json_true successful "$BODY" && [[ ! $BODY =~ \"successful\"[[:space:]]*:[[:space:]]*false ]]; then
        return 0
      fi
      apply_events
      die 8 "config run $run failed (events above, /data/user/common/ghe-config.log); fix the cause, $DAY2"
    fi
    log "config run $run is running"
    DELAY=$poll
    backoff "$deadline" || die 9 "config run $run still running at the deadline; follow it in the Management Console, $DAY2 if it fails"
  done
}

apply_events() {
  local s n=0
  manage GET /manage/v1/config/apply/events
  if [[ $CODE != 200 ]]; then
    log "no config run events (HTTP $CODE)"
    return 0
  fi
  s=$BODY
  while ((n < 40)) && json_get body "$s"; do
    log "apply event: ${R//$'\n'/ }"
    s=${s#*\"body\"}
    n=$((n + 1))
  done
}

main() {
  mkdir -p "$(dirname "$LOG")" "$STATE_DIR"
  : >>"$LOG"
  chmod 600 "$LOG"
  trap on_exit EXIT
  trap 'ERR_LINE=$LINENO' ERR
  # @@ONLY template@@
  [[ -n $SMTP_JSON ]] || die 2 "bare template: use the synthesized user data"
  # @@END template@@
  ms BACKOFF_INITIAL_MS "${GHES_EMAIL_BACKOFF_INITIAL:-2}"
  ms BACKOFF_MAX_MS "${GHES_EMAIL_BACKOFF_MAX:-30}"
  ms _ "$REQ_TIMEOUT"
  local marker=$STATE_DIR/applied-$SETTINGS_SHA
  log "starting (settings $SETTINGS_SHA, log $LOG)"
  if [[ -e $marker && ${GHES_EMAIL_FORCE:-} != 1 ]]; then
    log "already applied ($marker); nothing to do (GHES_EMAIL_FORCE=1 to redo)"
    return 0
  fi
  TMP=$(mktemp -d)
  : >"$TMP/body"
  fetch_secrets
  wait_initialized
  put_settings
  run_apply
  : >"$marker"
  log "done: SMTP settings applied. Test: Management Console > Email > Test email settings"
  # @@ONLY enforceTls@@
  if [[ $ENFORCE_TLS == true ]]; then
    log "ACTION NEEDED: 'Enforce TLS auth' has no documented API field and was NOT set: in the Management Console > Email > Authentication tick 'Enforce TLS auth (recommended)' and Save settings"
  fi
  # @@END enforceTls@@
}

main "$@"
