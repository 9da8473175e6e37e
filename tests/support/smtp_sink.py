"""An aiosmtpd handler for Till's mail tests: a real SMTP server that keeps what it accepts.

Each message accepted is written to the directory given on the command line twice: as
received (NAME.eml), and as Python's email parser reads it (NAME.json: envelope, decoded
headers, the text/plain body decoded from its transfer encoding) — an independent reader
of what the register sent. A recipient whose address starts with "reject" is refused for
good (550), as a real server refuses an unknown mailbox.

    python -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Maildrop DIRECTORY
"""

import email
import email.policy
import json
import os
import time
import uuid


class Maildrop:
    def __init__(self, directory):
        self.directory = directory

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Maildrop needs the directory to write messages to")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 <%s>: no such mailbox here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(self.directory, uuid.uuid4().hex)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        with open(name + ".eml", "wb") as f:
            f.write(content)
        message = email.message_from_bytes(content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        parsed = {
            "received_ns": time.time_ns(),
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {k.lower(): str(v) for k, v in message.items()},
            "content_type": message.get_content_type(),
            "charset": message.get_content_charset(),
            "body": body.get_content() if body is not None else None,
        }
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(parsed, f, ensure_ascii=False)
        # Renamed when complete: a reader never sees half a message.
        os.rename(name + ".tmp", name + ".json")
        return "250 2.0.0 Message accepted for delivery"
