#!/usr/bin/env python3
"""s3_server.py: an S3-compatible object store on loopback for the rehearsal.

Debian 12 packages no S3 server (no moto, minio, s3rver or garage), and the
rehearsal must run from Debian's archive alone, so this is the smallest store
the AWS CLI's `s3 cp`, `s3 ls` and `s3 sync` work against, standard library
only. Path-style requests (aws --endpoint-url http://127.0.0.1:PORT):

  GET    /                        ListBuckets
  GET    /BUCKET?list-type=2      ListObjectsV2 (prefix, delimiter,
                                  continuation-token, max-keys)
  GET    /BUCKET?location         GetBucketLocation
  HEAD   /BUCKET                  HeadBucket
  GET    /BUCKET/KEY              GetObject (whole object)
  HEAD   /BUCKET/KEY              HeadObject
  PUT    /BUCKET/KEY              PutObject (single part; the rehearsal's
                                  AWS config raises the multipart threshold)
  DELETE /BUCKET/KEY              DeleteObject

Objects are plain files under --dir/BUCKET/KEY (a bucket is a folder made
with --bucket). Signatures are not checked: this store only ever listens on
127.0.0.1 and holds throwaway data. Keys with "." or ".." path segments, or
anything that would leave the bucket's folder, are refused.
"""
import argparse
import email.utils
import hashlib
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def iso_time(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


def etag_of(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return '"%s"' % h.hexdigest()


class Handler(BaseHTTPRequestHandler):
    server_version = "rehearsal-s3/1"
    protocol_version = "HTTP/1.1"
    root = "."

    def log_message(self, fmt, *args):
        pass

    # --- answers ---
    def answer(self, status, body=b"", ctype="application/xml", extra=None, head=False):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "rehearsal")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def error(self, status, code, message, head=False):
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
                "<Message>%s</Message></Error>" % (code, escape(message)))
        self.answer(status, body, head=head)

    # --- addressing ---
    def target(self):
        """(bucket, key, query) of the request; key "" for the bucket."""
        url = urlsplit(self.path)
        path = unquote(url.path)
        parts = path.lstrip("/").split("/", 1)
        bucket = parts[0]
        key = parts[1] if len(parts) > 1 else ""
        return bucket, key, parse_qs(url.query, keep_blank_values=True)

    def bucket_dir(self, bucket):
        if not bucket or "/" in bucket or bucket in (".", ".."):
            return None
        d = os.path.join(self.root, bucket)
        return d if os.path.isdir(d) else None

    def object_path(self, bdir, key):
        segs = key.split("/")
        if not key or any(s in (".", "..") for s in segs) or "\0" in key:
            return None
        p = os.path.realpath(os.path.join(bdir, key))
        if not p.startswith(os.path.realpath(bdir) + os.sep):
            return None
        return p

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n > 0 else b""
        # aws-chunked bodies (streaming SigV4): "SIZE;chunk-signature=...\r\nDATA\r\n"
        if "aws-chunked" in (self.headers.get("Content-Encoding") or "") or \
                (self.headers.get("x-amz-content-sha256") or "").startswith("STREAMING-"):
            out, rest = b"", data
            while rest:
                line, _, rest = rest.partition(b"\r\n")
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    break
                out, rest = out + rest[:size], rest[size + 2:]
            data = out
        return data

    # --- verbs ---
    def do_GET(self):
        self.get_or_head(head=False)

    def do_HEAD(self):
        self.get_or_head(head=True)

    def get_or_head(self, head):
        bucket, key, q = self.target()
        if not bucket:
            return self.list_buckets(head)
        bdir = self.bucket_dir(bucket)
        if bdir is None:
            return self.error(404, "NoSuchBucket", "no bucket " + bucket, head)
        if not key:
            if "location" in q:
                return self.answer(200, '<?xml version="1.0" encoding="UTF-8"?>\n'
                                   '<LocationConstraint xmlns="%s"/>' % NS, head=head)
            if head:
                return self.answer(200, head=True)
            return self.list_objects(bdir, q)
        p = self.object_path(bdir, key)
        if p is None or not os.path.isfile(p):
            return self.error(404, "NoSuchKey", "no key " + key, head)
        st = os.stat(p)
        extra = {"ETag": etag_of(p), "Last-Modified": email.utils.formatdate(st.st_mtime, usegmt=True),
                 "Accept-Ranges": "bytes"}
        if head:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(st.st_size))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            return
        with open(p, "rb") as f:
            data = f.read()
        self.answer(200, data, "application/octet-stream", extra)

    def do_PUT(self):
        bucket, key, _ = self.target()
        data = self.read_body()
        bdir = self.bucket_dir(bucket)
        if bdir is None:
            return self.error(404, "NoSuchBucket", "no bucket " + bucket)
        p = self.object_path(bdir, key)
        if p is None:
            return self.error(400, "InvalidArgument", "refused key")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        tmp = p + ".part-%d" % os.getpid()
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
        self.answer(200, b"", extra={"ETag": '"%s"' % hashlib.md5(data).hexdigest()})

    def do_DELETE(self):
        bucket, key, _ = self.target()
        bdir = self.bucket_dir(bucket)
        p = self.object_path(bdir, key) if bdir else None
        if p is not None and os.path.isfile(p):
            os.unlink(p)
        self.answer(204)

    # --- listings ---
    def list_buckets(self, head):
        names = sorted(n for n in os.listdir(self.root) if os.path.isdir(os.path.join(self.root, n)))
        items = "".join("<Bucket><Name>%s</Name><CreationDate>%s</CreationDate></Bucket>"
                        % (escape(n), iso_time(os.stat(os.path.join(self.root, n)).st_mtime)) for n in names)
        self.answer(200, '<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="%s">'
                    "<Owner><ID>rehearsal</ID></Owner><Buckets>%s</Buckets></ListAllMyBucketsResult>"
                    % (NS, items), head=head)

    def list_objects(self, bdir, q):
        prefix = q.get("prefix", [""])[0]
        delim = q.get("delimiter", [""])[0]
        after = q.get("continuation-token", q.get("start-after", [""]))[0]
        max_keys = int(q.get("max-keys", ["1000"])[0])
        keys = []
        for dirpath, _, files in os.walk(bdir):
            for fn in files:
                if ".part-" in fn:
                    continue
                full = os.path.join(dirpath, fn)
                keys.append(os.path.relpath(full, bdir).replace(os.sep, "/"))
        keys.sort()
        contents, prefixes, truncated, last = [], [], False, ""
        for k in keys:
            if not k.startswith(prefix) or (after and k <= after):
                continue
            if delim:
                cut = k.find(delim, len(prefix))
                if cut >= 0:
                    cp = k[:cut + len(delim)]
                    if cp not in prefixes:
                        prefixes.append(cp)
                    continue
            if len(contents) >= max_keys:
                truncated = True
                break
            contents.append(k)
            last = k
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="%s">' % NS,
                 "<Name>%s</Name><Prefix>%s</Prefix><KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys>"
                 % (escape(os.path.basename(bdir)), escape(prefix), len(contents) + len(prefixes), max_keys),
                 "<IsTruncated>%s</IsTruncated>" % ("true" if truncated else "false")]
        if delim:
            parts.append("<Delimiter>%s</Delimiter>" % escape(delim))
        if truncated:
            parts.append("<NextContinuationToken>%s</NextContinuationToken>" % escape(last))
        for k in contents:
            p = os.path.join(bdir, k)
            st = os.stat(p)
            parts.append("<Contents><Key>%s</Key><LastModified>%s</LastModified><ETag>%s</ETag>"
                         "<Size>%d</Size><StorageClass>STANDARD</StorageClass></Contents>"
                         % (escape(k), iso_time(st.st_mtime), escape(etag_of(p)), st.st_size))
        for cp in prefixes:
            parts.append("<CommonPrefixes><Prefix>%s</Prefix></CommonPrefixes>" % escape(cp))
        parts.append("</ListBucketResult>")
        self.answer(200, "".join(parts))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--bucket", action="append", default=[])
    a = ap.parse_args()
    for b in a.bucket:
        os.makedirs(os.path.join(a.dir, b), exist_ok=True)
    Handler.root = a.dir
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
