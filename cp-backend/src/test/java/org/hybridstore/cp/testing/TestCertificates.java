package org.hybridstore.cp.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the {@code openssl} command line: a CA, a server certificate for
 * {@code 127.0.0.1}/{@code localhost} signed by it, a client certificate signed by it, and a
 * second, unrelated CA for "wrong CA" tests. Keys are EC P-256 in PKCS#8 PEM (what Netty and etcd
 * read).
 *
 * @param caCert the CA certificate
 * @param serverCert etcd's certificate
 * @param serverKey its key
 * @param clientCert a client certificate (CN {@code hybridstore-client})
 * @param clientKey its key
 * @param otherCaCert a CA that signed nothing here
 */
public record TestCertificates(
    Path caCert,
    Path serverCert,
    Path serverKey,
    Path clientCert,
    Path clientKey,
    Path otherCaCert) {

  /**
   * Generates the certificates into a directory.
   *
   * @param dir where to write them
   * @return the paths
   * @throws IllegalStateException if openssl is missing or fails
   */
  public static TestCertificates generate(Path dir) {
    try {
      Files.createDirectories(dir);
      Path ext = dir.resolve("ext.cnf");
      Files.writeString(
          ext,
          "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
              + "extendedKeyUsage=serverAuth,clientAuth\n",
          StandardCharsets.US_ASCII);
      selfSigned(dir, "ca", "hybridstore-test-ca");
      selfSigned(dir, "other-ca", "some-other-ca");
      signed(dir, "server", "etcd-test-server", ext);
      signed(dir, "client", "hybridstore-client", ext);
      return new TestCertificates(
          dir.resolve("ca.crt"),
          dir.resolve("server.crt"),
          dir.resolve("server.key"),
          dir.resolve("client.crt"),
          dir.resolve("client.key"),
          dir.resolve("other-ca.crt"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot generate test certificates in " + dir, e);
    }
  }

  private static void selfSigned(Path dir, String name, String cn) throws IOException {
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".crt",
        "-days",
        "2",
        "-subj",
        "/CN=" + cn);
  }

  private static void signed(Path dir, String name, String cn, Path ext) throws IOException {
    openssl(
        dir,
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr",
        "-subj",
        "/CN=" + cn);
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        name + ".crt",
        "-days",
        "2",
        "-extfile",
        ext.toString());
  }

  private static void openssl(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            "openssl "
                + String.join(" ", args)
                + " failed: "
                + new String(out, StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
