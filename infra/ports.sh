# Source me. Who holds a TCP port, read from /proc (Linux): the listening sockets of a port in
# /proc/net/tcp and tcp6, and the processes whose file descriptors point at those sockets. A process
# this user may not inspect (another user's, when not root) shows as a holder that cannot be seen.
#
# infra.sh and clamd.sh use it to tell their own servers from anybody else's: a component is "up" only
# when the process they started (or one of its process group) holds its port.

# listening_inodes PORT — the inode of every socket listening on PORT, on any local address.
listening_inodes() {
  local suffix
  suffix=$(printf ':%04X' "$1")
  # Columns: sl local_address rem_address st … inode; st 0A is LISTEN.
  awk -v suffix="$suffix" '$4 == "0A" && substr($2, length($2) - 4) == suffix { print $10 }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u
}

# socket_holders INODE... — pids with a descriptor on one of the sockets (those this user may see).
socket_holders() {
  [ $# -gt 0 ] || return 0
  local args=() inode
  for inode in "$@"; do args+=(-o -lname "socket:\[$inode\]"); done
  find /proc/[0-9]*/fd -maxdepth 1 \( "${args[@]:1}" \) 2>/dev/null | cut -d/ -f3 | sort -un
}

# process_group PID — the process group id of PID (the field after the command name, which may hold
# spaces or parentheses, in /proc/PID/stat).
process_group() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r -a fields <<<"${stat##*) }"
  echo "${fields[2]}"
}

# describe_process PID — "pid 123 (java … kafka.Kafka /x/.infra/kafka/server.properties, in /x)":
# the program, the end of its command line (where the distinctive arguments usually are) and its
# working directory, which often names the checkout that started it.
describe_process() {
  local words=() text tail="" i cwd
  mapfile -d '' -t words <"/proc/$1/cmdline" 2>/dev/null || true
  if [ ${#words[@]} -eq 0 ]; then
    text=$(cat "/proc/$1/comm" 2>/dev/null || echo unknown)
  else
    text=${words[0]##*/}
    for ((i = ${#words[@]} - 1; i > 0; i--)); do
      [ $((${#tail} + ${#words[i]})) -lt 70 ] || break
      tail="${words[i]} $tail"
    done
    # A last argument too long to show whole (a jar's path): its file name.
    [ -n "$tail" ] || [ ${#words[@]} -eq 1 ] || { tail="${words[-1]##*/} " && i=$((${#words[@]} - 2)); }
    [ "$i" -eq 0 ] || text+=" …"
    [ -z "$tail" ] || text+=" ${tail% }"
  fi
  cwd=$(readlink "/proc/$1/cwd" 2>/dev/null) && text+=", in $cwd"
  echo "pid $1 ($text)"
}

# port_owner PORT OWNER_PID — prints one word and, for "foreign", who holds the port:
#   free              nothing listens on PORT
#   ours              OWNER_PID, or a process of its process group, listens on PORT
#   foreign <who>     something else does: <who> is describe_process, or that it cannot be seen
port_owner() {
  local port=$1 owner=${2:-} inodes holders pid
  inodes=$(listening_inodes "$port")
  if [ -z "$inodes" ]; then
    echo free
    return
  fi
  # shellcheck disable=SC2086 # one inode per word
  holders=$(socket_holders $inodes)
  for pid in $holders; do
    if [ -n "$owner" ] && { [ "$pid" = "$owner" ] || [ "$(process_group "$pid")" = "$owner" ]; }; then
      echo ours
      return
    fi
  done
  if [ -n "$holders" ]; then
    echo "foreign $(describe_process "${holders%%$'\n'*}")"
  else
    echo "foreign a process this user cannot see"
  fi
}

# is_own_process PID MARKER — PID is alive and its command line names MARKER (the state directory the
# script gave it), so a pid file left behind and reused by an unrelated process is not mistaken for ours.
is_own_process() {
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}
