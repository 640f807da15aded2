/* Puts a PEM certificate into the current user's "Root" store, the store WinHTTP trusts (what
   `certutil -user -addstore Root cert.pem` does on Windows), or with --remove takes it out again: for the Wine prefix
   of scripts/test-wine.sh, whose TLS tests need the test Hub's certificate trusted (Wine has no certutil). A test
   tool, not part of HubDeps. Removal deletes the certificate's registry key (the store's own delete leaves it there
   under Wine 8). Usage: add_root_cert [--remove] CERT.pem */
#include <windows.h>
#include <wincrypt.h>

#include <stdio.h>
#include <string.h>

static BYTE pem[65536];
static BYTE der[16384];

static int fail(const char *what, const char *path) {
  fprintf(stderr, "add_root_cert: %s %s (error %lu)\n", what, path, GetLastError());
  return 1;
}

int main(int argc, char **argv) {
  const int removing = argc == 3 && strcmp(argv[1], "--remove") == 0;
  if (argc != 2 + removing) {
    fprintf(stderr, "usage: add_root_cert [--remove] CERT.pem\n");
    return 2;
  }
  const char *path = argv[argc - 1];
  FILE *file = fopen(path, "rb");
  if (!file) return fail("cannot open", path);
  const DWORD pem_size = (DWORD)fread(pem, 1, sizeof pem - 1, file);
  fclose(file);
  DWORD der_size = sizeof der;
  if (!CryptStringToBinaryA((const char *)pem, pem_size, CRYPT_STRING_BASE64HEADER, der, &der_size, NULL, NULL)) {
    return fail("no PEM certificate in", path);
  }
  if (removing) {
    /* The store keeps each certificate under its SHA-1 thumbprint. */
    BYTE hash[20];
    DWORD hash_size = sizeof hash;
    if (!CryptHashCertificate(0, CALG_SHA1, 0, der, der_size, hash, &hash_size)) return fail("cannot hash", path);
    char key[128] = "Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\";
    for (DWORD i = 0; i < hash_size; ++i) sprintf(key + strlen(key), "%02X", hash[i]);
    const LONG status = RegDeleteKeyA(HKEY_CURRENT_USER, key);
    if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND) {
      SetLastError((DWORD)status);
      return fail("cannot remove from the Root store:", path);
    }
    return 0;
  }
  HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, L"Root");
  if (!store) return fail("cannot open the Root store for", path);
  const BOOL added =
      CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der, der_size, CERT_STORE_ADD_REPLACE_EXISTING, NULL);
  if (!added) fail("the Root store refused", path);
  CertCloseStore(store, 0);
  return added ? 0 : 1;
}
