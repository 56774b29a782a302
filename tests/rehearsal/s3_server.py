#!/usr/bin/env python3
"""s3_server.py: an S3-compatible object store (and ECR's repository API) on
loopback for the rehearsal.

Debian 12 packages no S3 server (no moto, minio, s3rver or garage), and the
rehearsal must run from Debian's archive alone, so this is the smallest store
the AWS CLI's `s3 cp`, `s3 ls`, `s3 sync` and the `s3api` calls the runbooks
make work against, standard library only. Path-style requests (aws
--endpoint-url http://127.0.0.1:PORT):

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
  PUT|GET|DELETE /BUCKET?encryption
                                  Put/Get/DeleteBucketEncryption (404
                                  ServerSideEncryptionConfigurationNotFoundError
                                  until one is put)
  PUT|GET /BUCKET?replication     Put/GetBucketReplication (404
                                  ReplicationConfigurationNotFoundError)

Objects are plain files under --dir/BUCKET/KEY (a bucket is a folder made
with --bucket NAME or NAME@REGION, the region GetBucketLocation answers).
What S3 keeps beside an object or a bucket lives under --dir.meta/BUCKET/:
the bucket's configurations, and each object's server-side encryption (the
PUT's x-amz-server-side-encryption header, else the bucket's default, else
none, as S3 did before 2023), which HeadObject returns. An enabled
replication rule copies each matching PUT to its destination bucket
(x-amz-replication-status COMPLETED on the source, REPLICA on the copy);
S3 does it within minutes, this store at once.

ECR (POST / with X-Amz-Target AmazonEC2ContainerRegistry_V20150921.*, JSON):
CreateRepository, DescribeRepositories (400 RepositoryNotFoundException for
a missing name) and PutImageTagMutability, kept in --dir.meta/ecr.json.

Signatures are not checked: this store only ever listens on 127.0.0.1 and
holds throwaway data. Keys with "." or ".." path segments, or anything that
would leave the bucket's folder, are refused.
"""
import argparse
import email.utils
import hashlib
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

from portfile_server import serve
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape
import xml.etree.ElementTree as ET

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921."
ACCOUNT = "123456789012"
LOCK = threading.Lock()


def iso_time(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


# Bucket configurations by query word, and the error S3 gives while unset.
BUCKET_CONFIGS = {
    "encryption": ("ServerSideEncryptionConfigurationNotFoundError",
                   "The server side encryption configuration was not found"),
    "replication": ("ReplicationConfigurationNotFoundError", "The replication configuration was not found"),
}
SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")


def iter_local(el, name):
    """Descendants of EL whose tag, without its namespace, is NAME."""
    return (e for e in el.iter() if e.tag.rsplit("}", 1)[-1] == name)


def find_local(el, name):
    return None if el is None else next(iter_local(el, name), None)


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
    meta = "./.meta"
    regions = {}

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
                region = self.regions.get(bucket, "us-east-1")
                # us-east-1 is the empty constraint, as S3 answers it
                loc = "" if region == "us-east-1" else escape(region)
                return self.answer(200, '<?xml version="1.0" encoding="UTF-8"?>\n'
                                   '<LocationConstraint xmlns="%s">%s</LocationConstraint>' % (NS, loc),
                                   head=head)
            for conf, missing in BUCKET_CONFIGS.items():
                if conf in q:
                    return self.get_bucket_config(bucket, conf, missing, head)
            if head:
                return self.answer(200, head=True)
            return self.list_objects(bdir, q)
        p = self.object_path(bdir, key)
        if p is None or not os.path.isfile(p):
            return self.error(404, "NoSuchKey", "no key " + key, head)
        st = os.stat(p)
        extra = {"ETag": etag_of(p), "Last-Modified": email.utils.formatdate(st.st_mtime, usegmt=True),
                 "Accept-Ranges": "bytes"}
        extra.update(self.object_headers(bucket, key))
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
        bucket, key, q = self.target()
        data = self.read_body()
        bdir = self.bucket_dir(bucket)
        if bdir is None:
            return self.error(404, "NoSuchBucket", "no bucket " + bucket)
        if not key and any(c in q for c in BUCKET_CONFIGS):
            return self.put_bucket_config(bucket, q, data)
        p = self.object_path(bdir, key)
        if p is None:
            return self.error(400, "InvalidArgument", "refused key")
        sse = self.headers.get("x-amz-server-side-encryption") or self.default_sse(bucket)
        if sse and sse not in SSE_ALGORITHMS:
            return self.error(400, "InvalidArgument", "The encryption method specified is not supported")
        replicas = self.replica_buckets(bucket, key)
        self.store(bdir, p, data)
        self.set_object_meta(bucket, key, sse, "COMPLETED" if replicas else None)
        for dest in replicas:
            dp = self.object_path(os.path.join(self.root, dest), key)
            self.store(os.path.join(self.root, dest), dp, data)
            self.set_object_meta(dest, key, sse, "REPLICA")
        extra = {"ETag": '"%s"' % hashlib.md5(data).hexdigest()}
        if sse:
            extra["x-amz-server-side-encryption"] = sse
        self.answer(200, b"", extra=extra)

    def do_DELETE(self):
        bucket, key, q = self.target()
        bdir = self.bucket_dir(bucket)
        if bdir and not key and "encryption" in q:
            # DeleteBucketEncryption: later PUTs without the header are stored unencrypted
            p = os.path.join(self.meta, bucket, "encryption.xml")
            if os.path.exists(p):
                os.unlink(p)
            return self.answer(204)
        p = self.object_path(bdir, key) if bdir else None
        if p is not None and os.path.isfile(p):
            os.unlink(p)
            self.set_object_meta(bucket, key, None, None)
        self.answer(204)

    # --- what S3 keeps beside objects and buckets (under --dir.meta) ---
    @staticmethod
    def store(bdir, p, data):
        os.makedirs(os.path.dirname(p), exist_ok=True)
        tmp = p + ".part-%d" % threading.get_ident()
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, p)

    def object_meta_path(self, bucket, key):
        return os.path.join(self.meta, bucket, "objects", key + ".json")

    def set_object_meta(self, bucket, key, sse, replication):
        mp = self.object_meta_path(bucket, key)
        if not sse and not replication:
            if os.path.exists(mp):
                os.unlink(mp)
            return
        os.makedirs(os.path.dirname(mp), exist_ok=True)
        with LOCK, open(mp, "w", encoding="utf-8") as f:
            json.dump({"sse": sse, "replication": replication}, f)

    def object_headers(self, bucket, key):
        try:
            with open(self.object_meta_path(bucket, key), encoding="utf-8") as f:
                m = json.load(f)
        except FileNotFoundError:
            return {}
        h = {}
        if m.get("sse"):
            h["x-amz-server-side-encryption"] = m["sse"]
        if m.get("replication"):
            h["x-amz-replication-status"] = m["replication"]
        return h

    def bucket_config(self, bucket, conf):
        try:
            with open(os.path.join(self.meta, bucket, conf + ".xml"), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def put_bucket_config(self, bucket, q, data):
        conf = next(c for c in BUCKET_CONFIGS if c in q)
        try:
            ET.fromstring(data)
        except ET.ParseError:
            return self.error(400, "MalformedXML", "The XML you provided was not well-formed")
        d = os.path.join(self.meta, bucket)
        os.makedirs(d, exist_ok=True)
        self.store(d, os.path.join(d, conf + ".xml"), data)
        self.answer(200)

    def get_bucket_config(self, bucket, conf, missing, head):
        data = self.bucket_config(bucket, conf)
        if data is None:
            return self.error(404, missing[0], missing[1], head)
        return self.answer(200, data, head=head)

    def default_sse(self, bucket):
        data = self.bucket_config(bucket, "encryption")
        if data is None:
            return None
        el = find_local(ET.fromstring(data), "SSEAlgorithm")
        return el.text.strip() if el is not None and el.text else None

    def replica_buckets(self, bucket, key):
        """Destination buckets of the enabled replication rules matching KEY."""
        data = self.bucket_config(bucket, "replication")
        if data is None:
            return []
        out = []
        for rule in iter_local(ET.fromstring(data), "Rule"):
            status = find_local(rule, "Status")
            if status is None or status.text != "Enabled":
                continue
            prefix = find_local(rule, "Prefix")
            if prefix is not None and prefix.text and not key.startswith(prefix.text):
                continue
            dest = find_local(find_local(rule, "Destination"), "Bucket")
            name = (dest.text or "").rsplit(":", 1)[-1] if dest is not None else ""
            if name and name != bucket and self.bucket_dir(name):
                out.append(name)
        return out

    # --- ECR (JSON protocol, one POST per operation) ---
    def do_POST(self):
        target = self.headers.get("X-Amz-Target") or ""
        body = self.read_body()
        op = target[len(ECR_TARGET):] if target.startswith(ECR_TARGET) else ""
        fn = {"CreateRepository": self.ecr_create, "DescribeRepositories": self.ecr_describe,
              "PutImageTagMutability": self.ecr_mutability}.get(op)
        if fn is None:
            return self.ecr_error("UnknownOperationException", "no operation " + target)
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self.ecr_error("SerializationException", "the body is not JSON")
        with LOCK:
            repos = self.ecr_load()
            status, out = fn(req, repos)
            if status == 200:
                self.ecr_save(repos)
        if status != 200:
            return self.ecr_error(*out)
        self.answer(200, json.dumps(out), "application/x-amz-json-1.1")

    def ecr_error(self, typ, message):
        self.answer(400, json.dumps({"__type": typ, "message": message}), "application/x-amz-json-1.1")

    def ecr_load(self):
        try:
            with open(os.path.join(self.meta, "ecr.json"), encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def ecr_save(self, repos):
        os.makedirs(self.meta, exist_ok=True)
        self.store(self.meta, os.path.join(self.meta, "ecr.json"), json.dumps(repos).encode("utf-8"))

    def request_region(self):
        """The region of the request's SigV4 credential scope."""
        m = re.search(r"Credential=[^/]+/[0-9]+/([a-z0-9-]+)/", self.headers.get("Authorization") or "")
        return m.group(1) if m else "us-east-1"

    def ecr_create(self, req, repos):
        name = req.get("repositoryName") or ""
        if not re.fullmatch(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*", name):
            return 400, ("InvalidParameterException", "Invalid parameter at 'repositoryName'")
        if name in repos:
            return 400, ("RepositoryAlreadyExistsException", "The repository with name '%s' already exists "
                         "in the registry with id '%s'" % (name, ACCOUNT))
        region = self.request_region()
        repos[name] = {
            "repositoryArn": "arn:aws:ecr:%s:%s:repository/%s" % (region, ACCOUNT, name),
            "registryId": ACCOUNT, "repositoryName": name,
            "repositoryUri": "%s.dkr.ecr.%s.amazonaws.com/%s" % (ACCOUNT, region, name),
            "createdAt": time.time(),
            "imageTagMutability": req.get("imageTagMutability") or "MUTABLE",
            "imageScanningConfiguration": {"scanOnPush": False},
            "encryptionConfiguration": {"encryptionType": "AES256"}}
        return 200, {"repository": repos[name]}

    def ecr_describe(self, req, repos):
        names = req.get("repositoryNames") or sorted(repos)
        for n in names:
            if n not in repos:
                return 400, ("RepositoryNotFoundException", "The repository with name '%s' does not exist "
                             "in the registry with id '%s'" % (n, ACCOUNT))
        return 200, {"repositories": [repos[n] for n in names]}

    def ecr_mutability(self, req, repos):
        name = req.get("repositoryName") or ""
        if name not in repos:
            return 400, ("RepositoryNotFoundException", "The repository with name '%s' does not exist "
                         "in the registry with id '%s'" % (name, ACCOUNT))
        mut = req.get("imageTagMutability")
        if mut not in ("MUTABLE", "IMMUTABLE"):
            return 400, ("InvalidParameterException", "Invalid parameter at 'imageTagMutability'")
        repos[name]["imageTagMutability"] = mut
        return 200, {"registryId": ACCOUNT, "repositoryName": name, "imageTagMutability": mut}

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
    ap.add_argument("--bucket", action="append", default=[], help="NAME or NAME@REGION")
    a = ap.parse_args()
    for b in a.bucket:
        name, _, region = b.partition("@")
        os.makedirs(os.path.join(a.dir, name), exist_ok=True)
        Handler.regions[name] = region or "us-east-1"
    Handler.root = a.dir
    Handler.meta = a.dir.rstrip("/") + ".meta"
    return serve(Handler, a.port_file, a.port)


if __name__ == "__main__":
    sys.exit(main())
