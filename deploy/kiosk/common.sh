# deploy/kiosk/common.sh — what setup-screen and setup-printer share: every change to the
# machine goes through run, put_file or remove_file, which print it and, unless
# dry=1, make it; each checks first, so a second run changes nothing that is already so.
# Sourced (not run); expects $dry.
# shellcheck shell=bash
: "${dry:=0}"

# say MESSAGE: one line of what happens.
say() { printf '%s\n' "$*"; }

# run CMD...: prints the command, and runs it unless this is a dry run.
run() {
	printf '+'
	printf ' %q' "$@"
	printf '\n'
	if ((!dry)); then
		"$@"
	fi
}

# put_file PATH MODE OWNER:GROUP < CONTENT: writes CONTENT to PATH (atomically, through a
# temporary file beside it) unless it holds exactly that already; a dry run prints it.
put_file() {
	local path=$1 mode=$2 owner=$3 content tmp
	content=$(cat)
	if [[ -f "$path" && "$(cat "$path" 2>/dev/null)" == "$content" &&
		"$(stat -c '%a %U:%G' "$path")" == "${mode#0} $owner" ]]; then
		say "unchanged: $path"
		return 0
	fi
	say "write $path (mode $mode, owner $owner):"
	printf '%s\n' "$content" | sed 's/^/    | /'
	if ((dry)); then
		return 0
	fi
	mkdir -p "$(dirname "$path")"
	tmp=$(mktemp "$path.XXXXXX")
	printf '%s\n' "$content" >"$tmp"
	chmod "$mode" "$tmp"
	chown "$owner" "$tmp"
	mv -f "$tmp" "$path"
}

# remove_file PATH: removes PATH when it is there (disabling it first when it is a unit).
remove_file() {
	if [[ -e "$1" ]]; then
		if [[ "$1" == /etc/systemd/system/* ]]; then
			run systemctl disable "$(basename "$1")"
		fi
		run rm -f "$1"
	fi
}

# install_packages PKG...: installs the ones dpkg does not have, without recommends.
install_packages() {
	local p missing=()
	for p in "$@"; do
		if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} == 0)); then
		say "packages installed: $*"
		return 0
	fi
	run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# console_blank_off PI: turns the kernel console's blanking off from the next boot on
# (consoleblank=0 on the kernel command line): cmdline.txt on a Raspberry Pi (PI=1),
# GRUB elsewhere.
console_blank_off() {
	local f
	if (($1)); then
		f=/boot/firmware/cmdline.txt
		if [[ ! -f "$f" ]]; then
			f=/boot/cmdline.txt
		fi
		if [[ ! -f "$f" ]]; then
			say "note: no cmdline.txt found: add consoleblank=0 to the kernel command line"
		elif grep -qw 'consoleblank=0' "$f"; then
			say "unchanged: $f has consoleblank=0"
		else
			run sed -i '1 s/$/ consoleblank=0/' "$f"
		fi
	elif [[ -f /etc/default/grub ]]; then
		if grep -q '^GRUB_CMDLINE_LINUX_DEFAULT=.*consoleblank=0' /etc/default/grub; then
			say "unchanged: /etc/default/grub has consoleblank=0"
		else
			run sed -i -E 's/^(GRUB_CMDLINE_LINUX_DEFAULT="[^"]*)"/\1 consoleblank=0"/' /etc/default/grub
			run update-grub
		fi
	else
		say "note: no GRUB here: add consoleblank=0 to the kernel command line of the boot loader"
	fi
}
