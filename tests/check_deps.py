#!/usr/bin/python3
"""check_deps.py — holds the C sources to the dependency rule of shared/STYLE.md and
server/README.md: floor (pure) <- store <- engine <- api <- main, with proto/ below
everything and the only code torg-display shares with torgd.

Every C file of proto/, server/ and display-client/ belongs to one module (the table
MODULES, by file name); each module lists the modules whose headers it may include
(its own always). A quoted #include of a header of any other module, or of a file
this table does not know, is a failure: a new file must be given its module here, so
the map in server/README.md and this check stay one. System headers (<...>) are
not checked here, except that the floor model includes no uv, lws or sqlite header.

Usage: tests/check_deps.py [ROOT]   prints one line per violation, exits 1 if any.
"""
import os
import re
import sys

# module: (files, modules it may include)
MODULES = {
    # proto/: the protocol, shared with torg-display; nothing of server/
    "alloc": (["proto/alloc"], []),
    "names": (["proto/names"], []),
    "proto": (["proto/proto", "proto/proto_encode", "proto/board", "proto/board_int",
               "proto/board_read", "proto/board_notices"], ["alloc", "names"]),
    # server/: helpers and pure parts
    "util": (["server/util", "server/hours"], ["alloc"]),
    "worker": (["server/worker"], ["util"]),
    "floor": (["server/floor", "server/floor_impl", "server/floor_query"],
              ["util", "names"]),
    "net": (["server/http_parse", "server/netaddr", "server/ratelimit", "server/throttle",
             "server/ws_rx"], ["util"]),
    "config": (["server/config", "server/config_server", "server/config_json",
                "server/config_errors", "server/config_display", "server/clock",
                "server/config_voice", "server/config_live", "server/config_notices",
                "server/config_ldap"],
               ["floor", "net", "util"]),
    # the store and the pure statistics it computes
    "store": (["server/store", "server/store_int", "server/store_commit",
               "server/store_stats", "server/store_stats_int", "server/store_purge",
               "server/store_staff", "server/stats", "server/stats_result",
               "server/stats_staff", "server/store_backup", "server/store_check"],
              ["floor", "util", "worker"]),
    "auth": (["server/auth", "server/auth_int", "server/auth_session", "server/auth_map",
              "server/auth_admin", "server/auth_ldap", "server/auth_ldap_map",
              "server/auth_directory"],
             ["util", "worker", "config"]),
    # announcements as sound: clips or espeak-ng on a thread of its own, a bounded cache
    "voice": (["server/voice", "server/voice_wav"], ["worker", "util"]),
    # the engine: commands through the floor to the store, events encoded once
    "engine": (["server/engine", "server/encode", "server/fanout"],
               ["store", "floor", "config", "proto", "names", "util"]),
    # statistics off the loop, and their wire forms
    "stats_run": (["server/stats_run", "server/stats_out"],
                  ["store", "config", "worker", "util"]),
    "api": (["server/api", "server/api_int", "server/api_conn", "server/api_http",
             "server/api_routes", "server/api_ws", "server/api_push", "server/api_tcp", "server/api_static", "server/api_metrics",
             "server/api_qr", "server/api_stats", "server/api_admin_users", "server/api_tls", "server/api_voice",
             "server/api_admin_config", "server/api_notices"],
            ["engine", "auth", "stats_run", "net", "proto", "names", "config", "floor",
             "util", "voice"]),
    # systemd's notification protocol (readiness, watchdog), on util alone
    "sdnotify": (["server/sdnotify"], ["util"]),
    "main": (["server/main", "server/cli_user", "server/cli_backup", "server/db_lock",
              "server/paths", "server/live"],
             ["api", "engine", "auth", "stats_run", "store", "config", "floor", "util",
              "sdnotify", "worker"]),
    "display": (["display-client/display", "display-client/main", "display-client/conn",
                 "display-client/render", "display-client/oncall", "display-client/text",
                 "display-client/i18n"],
                ["proto", "names", "alloc"]),
}
FORBIDDEN_IN_FLOOR = ("uv.h", "libwebsockets.h", "sqlite3.h")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    owner = {}   # "server/floor" -> module
    header = {}  # "floor.h" -> module
    for mod, (files, _) in MODULES.items():
        for f in files:
            owner[f] = mod
            if os.path.exists(os.path.join(root, f + ".h")):
                header[os.path.basename(f) + ".h"] = mod
    bad = []
    nfiles = 0
    for d in ("proto", "server", "display-client"):
        for name in sorted(os.listdir(os.path.join(root, d))):
            if not name.endswith((".c", ".h")):
                continue
            nfiles += 1
            stem = d + "/" + name[:-2]
            mod = owner.get(stem)
            if mod is None:
                bad.append(f"{d}/{name}: not in any module of tests/check_deps.py")
                continue
            allowed = set(MODULES[mod][1]) | {mod}
            with open(os.path.join(root, d, name), encoding="utf-8") as fh:
                for no, line in enumerate(fh, 1):
                    m = re.match(r'\s*#\s*include\s*([<"])([^">]+)[">]', line)
                    if not m:
                        continue
                    inc = m.group(2)
                    if m.group(1) == "<":
                        if mod == "floor" and os.path.basename(inc) in FORBIDDEN_IN_FLOOR:
                            bad.append(f"{d}/{name}:{no}: the floor model includes <{inc}>")
                        continue
                    target = header.get(inc)
                    if target is None:
                        bad.append(f"{d}/{name}:{no}: \"{inc}\" is no module's header")
                    elif target not in allowed:
                        bad.append(f"{d}/{name}:{no}: {mod} includes \"{inc}\" of {target}"
                                   f" (it may include: {', '.join(sorted(allowed))})")
    for b in bad:
        print(b)
    print(f"check_deps: {nfiles} files in {len(MODULES)} modules, "
          f"{len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
