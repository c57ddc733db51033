# Source me. Progress lines for long work, on stderr, timed from the moment the user's command began:
#
#   [   12.3s] Kafka broker jars 3.9.1: fetching from Maven Central …
#   [ 1m05.0s] Kafka broker jars 3.9.1: ready (52.7s)
#
# INSTALLHUB_STARTED_AT (epoch ms) is exported, so every script and Node process the command starts
# counts from the same moment (scripts/start.ts prints the total with it).

progress_now_ms() {
  # EPOCHREALTIME is seconds.microseconds, with the locale's decimal separator.
  local us=${EPOCHREALTIME//[.,]/}
  echo $((us / 1000))
}

: "${INSTALLHUB_STARTED_AT:=$(progress_now_ms)}"
export INSTALLHUB_STARTED_AT

# 12.3s below a minute, 2m05.1s above.
progress_format_ms() {
  local ms=$1 tenths
  tenths=$(((ms % 1000) / 100))
  if [ "$ms" -lt 60000 ]; then
    printf '%d.%ds' $((ms / 1000)) "$tenths"
  else
    printf '%dm%02d.%ds' $((ms / 60000)) $(((ms / 1000) % 60)) "$tenths"
  fi
}

# progress MESSAGE — one line, prefixed with the time since the command began.
progress() {
  printf '[%9s] %s\n' "$(progress_format_ms $(($(progress_now_ms) - INSTALLHUB_STARTED_AT)))" "$*" >&2 || true
}

# step_begin NAME DETAIL — announces a step; step_end NAME [RESULT] closes it with its own duration.
# Steps do not nest: one runs at a time.
step_begin() {
  PROGRESS_STEP_STARTED_AT=$(progress_now_ms)
  progress "$1: $2 …"
}
step_end() {
  progress "$1: ${2:-done} ($(progress_format_ms $(($(progress_now_ms) - PROGRESS_STEP_STARTED_AT))))"
}

# display_path PATH — PATH relative to the current directory when below it, else as is (for messages).
display_path() {
  case $1 in
    "$PWD"/*) echo "${1#"$PWD"/}" ;;
    "$HOME"/*) echo "~/${1#"$HOME"/}" ;;
    *) echo "$1" ;;
  esac
}

# run_logged LOG COMMAND... — runs a noisy command (go, Maven, pnpm install) with its output appended
# to LOG; on failure prints the last lines of it and where the rest is, and returns the exit status.
run_logged() {
  local log=$1 status=0
  shift
  mkdir -p "$(dirname "$log")"
  printf '\n$ %s   # %s\n' "$*" "$(date -Is)" >>"$log"
  "$@" >>"$log" 2>&1 </dev/null || status=$?
  if [ "$status" -ne 0 ]; then
    tail -n 20 "$log" | sed 's/^/  │ /' >&2
    progress "failed (exit $status): $* — full output in $(display_path "$log")"
  fi
  return "$status"
}
