"""Hold an SMTP dialogue with Python's smtplib and print every reply as JSON.

Usage: smtp_dialogue.py HOST HELO-NAME
An independent referee for the verify playbooks: it shares no code with the collection.
"""
import json
import smtplib
import sys


def main(host, helo):
    replies = {}
    client = smtplib.SMTP(timeout=10)
    code, text = client.connect(host, 25)
    replies["banner"] = [code, text.decode("latin-1")]
    code, text = client.ehlo(helo)
    replies["ehlo"] = [code, text.decode("latin-1")]
    for command in ("VRFY root", "EXPN root", "XCLIENT ADDR=192.0.2.1"):
        code, text = client.docmd(command)
        replies[command.split()[0].lower()] = [code, text.decode("latin-1")]
    client.quit()
    print(json.dumps(replies))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
