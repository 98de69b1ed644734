package io.etcd.jetcd.archfixture;

/** Stands in for a jetcd type in the boundary rules' negative tests. */
public final class FakeJetcdType {
  /** Does nothing. */
  public static void touch() {}
}
