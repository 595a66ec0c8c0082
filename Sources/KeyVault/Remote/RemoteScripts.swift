// The commands keyvault runs on the other computer: for a POSIX shell (sh -c) and for Windows (PowerShell, started
// the same way from cmd.exe or PowerShell). No secret is ever part of a command: key bytes travel on standard input.

enum RemoteScripts {
    /// Answers `"kv-probe:Windows_NT:$PSHOME"` in cmd.exe (which keeps the quotes and expands %OS%),
    /// `kv-probe:%OS%:C:\Windows\…` in PowerShell, and `kv-probe:%OS%:` in a POSIX shell.
    static let probe = "echo \"kv-probe:%OS%:$PSHOME\""

    /// Prints the computer name.
    static func hostname(_ shell: RemoteShell) -> String {
        shell.isWindows ? powershell("[Console]::Out.WriteLine((hostname))") : sh("hostname 2>/dev/null || uname -n", [])
    }

    /// Creates a temporary file next to `path` that only the user can read and prints `kv-ready` (or `kv-exists`
    /// when `path` exists and may not be replaced, `kv-nofolder` when its folder does not exist, `kv-folder` when it is
    /// a folder, or a link to one, which a move
    /// would put the file into: then no key byte is sent); reads `count` bytes from standard
    /// input into it, prints `kv-written SIZE SHA256`, then names it `path` only when the next input line is `commit` (printing
    /// `kv-done`). Anything else removes the file.
    ///
    /// With `other` (the key's path, when this is its export password), a `path` that reaches the same file through a
    /// link is refused (`kv-same`) before any byte is sent and again before the rename; a POSIX shell only (`-ef`).
    static func write(_ shell: RemoteShell, path: String, count: Int, replacing: Bool, notSameAs other: String? = nil) -> String {
        if shell.isWindows {
            return powershell(
                """
                $ErrorActionPreference = 'Stop'
                $p = '\(path)'; $n = \(count); $force = $\(replacing ? "true" : "false"); $t = $null; $done = $false
                try {
                  if (Test-Path -LiteralPath $p -PathType Container) { [Console]::Out.WriteLine('kv-folder'); exit 23 }
                  if (-not [IO.Directory]::Exists([IO.Path]::GetDirectoryName($p))) { [Console]::Out.WriteLine('kv-nofolder'); exit 25 }
                  if (-not $force -and (Test-Path -LiteralPath $p)) { [Console]::Out.WriteLine('kv-exists'); exit 17 }
                  $t = $p + '.keyvault-' + [Guid]::NewGuid().ToString('N')
                  $f = [IO.File]::Open($t, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None); $f.Close()
                  $me = [Security.Principal.WindowsIdentity]::GetCurrent().Name
                  icacls $t /inheritance:r /grant:r ($me + ':F') | Out-Null
                  if ($LASTEXITCODE -ne 0) { [Console]::Out.WriteLine('kv-acl-failed'); exit 18 }
                  [Console]::Out.WriteLine('kv-ready'); [Console]::Out.Flush()
                  $f = [IO.File]::Open($t, [IO.FileMode]::Truncate, [IO.FileAccess]::Write, [IO.FileShare]::None)
                  $in = [Console]::OpenStandardInput(); $buf = New-Object byte[] 65536; $left = $n
                  while ($left -gt 0) { $r = $in.Read($buf, 0, [Math]::Min($buf.Length, $left)); if ($r -le 0) { break }; $f.Write($buf, 0, $r); $left -= $r }
                  $f.Flush($true); $f.Close(); [Array]::Clear($buf, 0, $buf.Length)
                  if ($left -ne 0) { [Console]::Out.WriteLine('kv-short'); exit 19 }
                  $h = (Get-FileHash -Algorithm SHA256 -LiteralPath $t).Hash.ToLowerInvariant()
                  [Console]::Out.WriteLine('kv-written ' + $n + ' ' + $h); [Console]::Out.Flush()
                  $line = ''; while ($true) { $b = $in.ReadByte(); if ($b -lt 0 -or $b -eq 10) { break }; $line += [char]$b }
                  if ($line -ne 'commit') { exit 21 }
                  if (Test-Path -LiteralPath $p -PathType Container) { [Console]::Out.WriteLine('kv-folder'); exit 23 }
                  if ($force) { Move-Item -LiteralPath $t -Destination $p -Force }
                  elseif (Test-Path -LiteralPath $p) { [Console]::Out.WriteLine('kv-exists'); exit 17 }
                  else { Move-Item -LiteralPath $t -Destination $p }
                  $done = $true; [Console]::Out.WriteLine('kv-done')
                } finally { if (-not $done -and $t -and (Test-Path -LiteralPath $t)) { Remove-Item -LiteralPath $t -Force } }
                """)
        }
        // mktemp makes the file 0600 (umask 077 for anything else); the traps remove it on hang-up, interrupt,
        // termination and any exit before the rename; ln names it without replacing (no-clobber, atomic).
        return sh(
            """
            umask 077; p=$1; n=$2; force=$3; o=$4; t=
            cleanup() { if [ -n "$t" ]; then rm -f -- "$t"; fi; }
            trap cleanup EXIT; trap "cleanup; exit 129" HUP; trap "cleanup; exit 130" INT; trap "cleanup; exit 143" TERM; trap "cleanup; exit 141" PIPE
            if [ -d "$p" ]; then echo kv-folder; exit 23; fi
            d=${p%/*}; if [ ! -d "${d:-/}" ]; then echo kv-nofolder; exit 25; fi
            if [ -n "$o" ] && [ "$p" -ef "$o" ]; then echo kv-same; exit 24; fi
            if [ "$force" != 1 ] && { [ -e "$p" ] || [ -L "$p" ]; }; then echo kv-exists; exit 17; fi
            t=$(mktemp "$p.keyvault-XXXXXX") || exit 20
            chmod 600 "$t" || exit 18
            echo kv-ready
            head -c "$n" > "$t" || exit 19
            s=$(wc -c < "$t" | tr -d " ")
            if [ "$s" != "$n" ]; then echo "kv-short $s"; exit 19; fi
            h=$( (sha256sum 2>/dev/null || shasum -a 256) < "$t" | cut -c1-64)
            echo "kv-written $s $h"
            read -r answer || answer=
            if [ "$answer" != commit ]; then exit 21; fi
            if [ -d "$p" ]; then echo kv-folder; exit 23; fi
            if [ -n "$o" ] && [ "$p" -ef "$o" ]; then echo kv-same; exit 24; fi
            if [ "$force" = 1 ]; then mv -f -- "$t" "$p" || exit 22
            elif ln -- "$t" "$p" 2>/dev/null; then rm -f -- "$t"
            else if [ -e "$p" ]; then echo kv-exists; exit 17; fi; exit 22; fi
            t=; echo kv-done
            """, [path, String(count), replacing ? "1" : "0", other ?? ""])
    }

    /// Prints `kv-file SIZE SHA256` and then the file's bytes; `kv-missing` when it is not a file, `kv-toolarge`
    /// when it is larger than `maxCount`.
    static func read(_ shell: RemoteShell, path: String, maxCount: Int) -> String {
        if shell.isWindows {
            return powershell(
                """
                $ErrorActionPreference = 'Stop'
                $p = '\(path)'
                if (-not (Test-Path -LiteralPath $p -PathType Leaf)) { [Console]::Out.WriteLine('kv-missing'); exit 16 }
                if ((Get-Item -LiteralPath $p).Length -gt \(maxCount)) { [Console]::Out.WriteLine('kv-toolarge'); exit 22 }
                $b = [IO.File]::ReadAllBytes($p)
                $h = (Get-FileHash -Algorithm SHA256 -LiteralPath $p).Hash.ToLowerInvariant()
                $o = [Console]::OpenStandardOutput()
                $head = [Text.Encoding]::ASCII.GetBytes('kv-file ' + $b.Length + ' ' + $h + [char]10)
                $o.Write($head, 0, $head.Length); $o.Write($b, 0, $b.Length); $o.Flush(); [Array]::Clear($b, 0, $b.Length)
                """)
        }
        return sh(
            """
            p=$1; max=$2
            if [ ! -f "$p" ]; then echo kv-missing; exit 16; fi
            s=$(wc -c < "$p" | tr -d " ")
            if [ "$s" -gt "$max" ]; then echo kv-toolarge; exit 22; fi
            h=$( (sha256sum 2>/dev/null || shasum -a 256) < "$p" | cut -c1-64)
            echo "kv-file $s $h"
            exec cat -- "$p"
            """, [path, String(maxCount)])
    }

    /// `sh -c 'SCRIPT' keyvault ARGS…` for the remote login shell. The script holds no single quote or backslash,
    /// and the arguments (a checked ``SSHLocation`` path, numbers) none either, so single quotes carry them intact
    /// through any login shell.
    static func sh(_ script: String, _ arguments: [String]) -> String {
        precondition(!script.contains("'") && !script.contains("\\") && !arguments.joined().contains("'"))
        return (["sh", "-c", "'\(script)'", "keyvault"] + arguments.map { "'\($0)'" }).joined(separator: " ")
    }

    /// `powershell -NoProfile -NonInteractive -EncodedCommand BASE64` (UTF-16LE), which cmd.exe and PowerShell run
    /// alike, with no quoting for either to get wrong.
    static func powershell(_ script: String) -> String {
        var utf16le: [UInt8] = []
        for unit in script.utf16 { utf16le.append(UInt8(unit & 0xFF)); utf16le.append(UInt8(unit >> 8)) }
        return "powershell -NoProfile -NonInteractive -EncodedCommand \(base64(utf16le))"
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[Int((b1 & 15) << 2 | b2 >> 6)] : 0x3D)
            out.append(i + 2 < bytes.count ? table[Int(b2 & 63)] : 0x3D)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
