"""Certificates for the TLS tests, made with the `openssl` command in a
directory of the test's own: a CA, a leaf for localhost/127.0.0.1 signed
by it, an expired one, one for another host, and a self-signed one. Each
leaf also comes as one PEM with its key (haproxy's `crt`), and as PKCS#12
(a Windows server's --tls-cert)."""

import os
import shutil
import subprocess

from harness import Skip

_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']


def _openssl(args, cwd):
    subprocess.run(['openssl'] + args, cwd=cwd, check=True, timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Certs:
    """Paths of the files: ca, leaf/leaf_key/leaf_combined, expired,
    other_host, self_signed (each NAME.pem, NAME.key, NAME-combined.pem)."""

    def __init__(self, directory):
        if not shutil.which('openssl'):
            raise Skip('the openssl command is not installed')
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        _openssl(['req', '-x509'] + _KEY + ['-keyout', 'ca.key', '-out', 'ca.pem',
                                            '-days', '2', '-subj', '/CN=sockecho test CA'],
                 directory)
        self._leaf('leaf', 'localhost', 'DNS:localhost,IP:127.0.0.1', days='2', serial=2)
        self._leaf('expired', 'localhost', 'DNS:localhost,IP:127.0.0.1', days='-1', serial=3)
        self._leaf('other_host', 'example.org', 'DNS:example.org', days='2', serial=4)
        _openssl(['req', '-x509'] + _KEY + [
            '-keyout', 'self_signed.key', '-out', 'self_signed.pem', '-days', '2',
            '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], directory)
        self._combine('self_signed')
        for name in ('ca', 'leaf', 'expired', 'other_host', 'self_signed'):
            os.chmod(self.key(name), 0o600)

    def _leaf(self, name, cn, san, days, serial):
        d = self.dir
        with open(os.path.join(d, name + '.ext'), 'w') as f:
            f.write('subjectAltName=%s\n' % san)
        _openssl(['req'] + _KEY + ['-keyout', name + '.key', '-out', name + '.csr',
                                   '-subj', '/CN=' + cn], d)
        _openssl(['x509', '-req', '-in', name + '.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
                  '-set_serial', str(serial), '-extfile', name + '.ext',
                  '-days', days, '-out', name + '.pem'], d)
        self._combine(name)

    def _combine(self, name):
        with open(self.combined(name), 'wb') as out:
            for part in (self.pem(name), self.key(name)):
                with open(part, 'rb') as f:
                    out.write(f.read())
        os.chmod(self.combined(name), 0o600)

    def pem(self, name):
        return os.path.join(self.dir, name + '.pem')

    def key(self, name):
        return os.path.join(self.dir, name + '.key')

    def combined(self, name):
        return os.path.join(self.dir, name + '-combined.pem')

    def pfx(self, name):
        """NAME as PKCS#12 without a password (made on first use)."""
        path = os.path.join(self.dir, name + '.pfx')
        if not os.path.exists(path):
            _openssl(['pkcs12', '-export', '-in', name + '.pem', '-inkey', name + '.key',
                      '-out', name + '.pfx', '-passout', 'pass:'], self.dir)
        return path

    def fingerprint(self, name):
        """SHA-256 fingerprint of NAME's certificate, AB:CD:... ."""
        out = subprocess.run(['openssl', 'x509', '-in', self.pem(name), '-noout',
                              '-fingerprint', '-sha256'], check=True, timeout=30,
                             capture_output=True, text=True).stdout
        return out.strip().split('=', 1)[1]
