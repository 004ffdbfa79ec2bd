import hashlib, os, stat
digest = hashlib.sha256()
for root, dirs, files in os.walk("/etc"):
    dirs.sort()
    for name in sorted(files):
        path = os.path.join(root, name)
        info = os.lstat(path)
        digest.update(("%s %o\n" % (path, info.st_mode)).encode())
        if stat.S_ISREG(info.st_mode):
            with open(path, "rb") as handle:
                digest.update(handle.read())
        elif stat.S_ISLNK(info.st_mode):
            digest.update(os.readlink(path).encode())
print(digest.hexdigest())
