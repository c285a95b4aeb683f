"""A real IMAP server for the tests and the bench: Debian's dovecot-imapd, thrown away after.

`Dovecot(root).start()` writes its own config into a temporary directory and runs
`dovecot -F -c <conf>` as a child process: IMAP on 127.0.0.1 (a free port), and with
`tls=True` IMAPS plus STARTTLS with a self-signed certificate made at start; users in a
passwd-file with plain passwords (no system accounts, no PAM); maildirs under the
directory; everything dovecot writes (base_dir, state, the log) stays there too.

Running as root (this machine, CI containers): dovecot refuses root for its login
processes ("must not be run as root") and for mail access ("userdb returned 0 as uid"),
so the login processes run as `dovenull` and the mail store belongs to `dovecot`, the two
users the Debian package creates. As anyone else (tried as `nobody`), everything runs
as that user.

Without dovecot the `dovecot` fixture skips with the reason, or fails when CI is set
(`make test` installs it: the Makefile's `dovecot` target).
"""

import contextlib
import datetime as dt
import email.policy
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from imapclient import IMAPClient

from conftest import IN_CI

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
HOST = "127.0.0.1"
ACCOUNTS = 100  # made at start, handed out by new_account()


def require_dovecot() -> str:
    """The dovecot binary; skips the test without it (fails under CI)."""
    if DOVECOT:
        return DOVECOT
    message = "dovecot is not installed (apt-get install dovecot-imapd; `make test` does it)"
    if IN_CI:
        pytest.fail(f"{message} and CI is set")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _accounts() -> tuple[str, str]:
    """(login user, mail user): see the module docstring."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, me
    names = {entry.pw_name for entry in pwd.getpwall()}
    login = "dovenull" if "dovenull" in names else "nobody"
    mail = "dovecot" if "dovecot" in names else "nobody"
    return login, mail


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost and its key, made now (cryptography)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


CONFIG = """\
# Throw-away test instance (sources/tests/dovecot.py). Nothing outside {root}.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {host}
shutdown_clients = yes
default_internal_user = {mail_user}
default_internal_group = {mail_group}
default_login_user = {login_user}
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
{ssl}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{sent}" {{
    special_use = \\Sent
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {ssl_port}
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    """One throw-away dovecot. `sent` names the \\Sent special-use folder."""

    def __init__(self, *, tls: bool = False, sent: str = "Sent") -> None:
        self.binary = require_dovecot()
        self.tls = tls
        self.sent = sent
        # tmpfs when there is one: a maildir is a file per message, and disks are slow at that.
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        self.root = Path(tempfile.mkdtemp(prefix="keepwarm-dovecot-", dir=shm))
        self.root.chmod(0o755)  # the mail user walks into it
        self.port = _free_port()
        self.ssl_port = _free_port() if tls else 0
        self.process: subprocess.Popen | None = None
        self.login_user, self.mail_user = _accounts()
        self.cert_path: Path | None = None
        (self.root / "mail").mkdir()
        # Accounts are written before the start: dovecot re-reads a changed passwd-file
        # at most once a second, so a user added later may be refused for a moment.
        self._accounts = [(f"user{n}@example.org", f"app-password-{n}") for n in range(ACCOUNTS)]
        (self.root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self._accounts))
        (self.root / "passwd").chmod(0o644)

    # --- life cycle -------------------------------------------------------------

    def start(self) -> "Dovecot":
        ssl_lines = "ssl = no"
        if self.tls:
            self.cert_path, key_path = _self_signed(self.root)
            ssl_lines = f"ssl = yes\nssl_cert = <{self.cert_path}\nssl_key = <{key_path}"
        entry = pwd.getpwnam(self.mail_user)
        config = CONFIG.format(
            root=self.root,
            host=HOST,
            port=self.port,
            ssl_port=self.ssl_port,
            ssl=ssl_lines,
            login_user=self.login_user,
            mail_user=self.mail_user,
            mail_group=_group_name(entry.pw_gid),
            sent=self.sent,
        )
        (self.root / "dovecot.conf").write_text(config)
        self._own_mail_store()
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "stderr.txt", "wb"),  # noqa: SIM115 - the child holds it
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start: {self.log()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                    sock.settimeout(2)
                    if sock.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not answer on {HOST}:{self.port} within 15 s: {self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Dovecot":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

    def log(self) -> str:
        parts = []
        for name in ("stderr.txt", "dovecot.log"):
            with contextlib.suppress(OSError):
                parts.append((self.root / name).read_text(errors="replace"))
        return "\n".join(parts)

    def _own_mail_store(self) -> None:
        entry = pwd.getpwnam(self.mail_user)
        if os.geteuid() != 0:
            return
        for directory, _dirs, files in os.walk(self.root / "mail"):
            os.chown(directory, entry.pw_uid, entry.pw_gid)
            for name in files:
                os.chown(os.path.join(directory, name), entry.pw_uid, entry.pw_gid)

    # --- users and messages -------------------------------------------------------

    def new_account(self) -> tuple[str, str]:
        """(username, password) of an account nobody used yet on this server."""
        return self._accounts.pop(0)

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate."""
        assert self.cert_path, "start Dovecot(tls=True)"
        return ssl.create_default_context(cafile=str(self.cert_path))

    def client(self, username: str, password: str) -> IMAPClient:
        client = IMAPClient(HOST, port=self.port, ssl=False, timeout=10)
        client.login(username, password)
        return client

    def append(
        self, username: str, password: str, folder: str, messages: list[bytes], *, seen: bool = False
    ) -> list[int]:
        """Append through IMAP; returns the UIDs given (APPENDUID)."""
        client = self.client(username, password)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            uids = []
            for raw in messages:
                answer = client.append(folder, raw, flags=[b"\\Seen"] if seen else [])
                match = re.search(rb"APPENDUID \d+ (\d+)", answer)
                uids.append(int(match.group(1)) if match else 0)
            return uids
        finally:
            client.logout()

    def write_maildir(self, username: str, folder: str, messages: list[bytes]) -> None:
        """Write messages straight into the (stopped) server's maildir: much faster than
        APPEND for the bench. `folder` is "INBOX" or a top-level folder name."""
        maildir = self.root / "mail" / username / "Maildir"
        if folder.upper() != "INBOX":
            maildir = maildir / f".{folder}"
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        if folder.upper() != "INBOX":
            (maildir / "maildirfolder").touch()
        stamp = int(time.time())
        for n, raw in enumerate(messages):
            (maildir / "cur" / f"{stamp}.M{n}P{os.getpid()}.keepwarm,S={len(raw)}:2,").write_bytes(raw)

    def session_counters(self) -> list[dict[str, int]]:
        """Per finished IMAP session, what dovecot logged sending: header and body
        fetches and bytes (`hdr_count`, `hdr_bytes`, `body_count`, `body_bytes`)."""
        found = []
        for line in self.log().splitlines():
            if "Disconnected" in line and "body_count=" in line:
                found.append(
                    {k: int(v) for k, v in re.findall(r"\b(in|out|\w+_count|\w+_bytes)=(\d+)", line)}
                )
        return found


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def make_message(
    *,
    sender: str,
    to: list[str] | tuple[str, ...] = (),
    cc: list[str] | tuple[str, ...] = (),
    date: dt.datetime,
    subject: str = "Hello",
    body: str = "Hi,\n\nShort note.\n",
    list_id: str = "",
    precedence: str = "",
    auto_submitted: str = "",
    message_id: str = "",
) -> bytes:
    """A message built with the email package (tiny body unless told)."""
    message = EmailMessage()
    message["From"] = sender
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(date)
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(idstring=uuid.uuid4().hex[:12], domain="keepwarm.test")
    if list_id:
        message["List-Id"] = list_id
    if precedence:
        message["Precedence"] = precedence
    if auto_submitted:
        message["Auto-Submitted"] = auto_submitted
    message.set_content(body)
    return message.as_bytes(policy=email.policy.SMTP)  # CRLF line ends, as on the wire


@pytest.fixture(scope="module")
def dovecot():
    """A running dovecot for a test module (skips without dovecot; fails under CI)."""
    server = Dovecot()
    try:
        yield server.start()
    finally:
        server.cleanup()


@pytest.fixture(scope="module")
def dovecot_tls():
    """A running dovecot with IMAPS and STARTTLS (a self-signed certificate)."""
    server = Dovecot(tls=True)
    try:
        yield server.start()
    finally:
        server.cleanup()
