# pam_person.py SERVICE OUT [APPROVE...]: the person at a terminal for the
# pam_radius_auth tests (pam.sh, freeradius.sh).  Runs pamtester for alice
# on a pseudo-terminal (PAM's conversation turns echo off for the
# password) and answers its prompts; writes what the terminal showed to
# OUT.  With APPROVE (a command and its arguments, the code appended),
# approves the code the challenge showed before pressing Enter, after
# pressing it once before approving, to see "Not approved yet".
import os, pty, re, select, subprocess, sys, time

service, out, approve = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
	os.execvp("pamtester", ["pamtester", "-v", service, "alice", "authenticate"])
seen = b""

def until(pattern, secs):
	global seen
	end = time.time() + secs
	while time.time() < end:
		m = re.search(pattern, seen)
		if m:
			return m
		r, _, _ = select.select([fd], [], [], 0.2)
		if r:
			try:
				b = os.read(fd, 4096)
			except OSError:
				return None
			if not b:
				return None
			seen += b
	return re.search(pattern, seen)

def answer(text):
	os.write(fd, text.encode() + b"\r")

try:
	if until(rb"[Pp]assword: ", 10):
		answer("not-a-password")
		m = until(rb"code ([A-Z0-9]{3}-[A-Z0-9]{3}), then press Continue[^\n]*", 40)
		if m and approve:
			code = m.group(1).decode()
			pos = len(seen)
			# Enter before approving: the VPN is told "Not approved yet".
			answer("")
			until(rb"Not approved yet", 10)
			with open(out + ".approve", "w") as f:
				subprocess.call(approve + [code], stdout=f, stderr=subprocess.STDOUT)
			time.sleep(0.2)
			answer("")
		until(rb"successfully authenticated|[Ff]ailure|[Ee]rror", 70)
		until(rb"(?!x)x", 1)	# the rest of the line, until EOF
finally:
	with open(out, "wb") as f:
		f.write(seen)
	try:
		os.kill(pid, 9)
	except ProcessLookupError:
		pass
	os.waitpid(pid, 0)
