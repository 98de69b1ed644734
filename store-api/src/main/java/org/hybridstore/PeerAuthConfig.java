package org.hybridstore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may send replication and membership frames to a node, and how they prove it. Immutable; build
 * with {@link #builder()}, or {@link #insecure()} for plaintext.
 *
 * <p>With {@link Mode#HMAC} every frame between nodes (replication and ScaleCube's SWIM traffic
 * alike) carries the sender's node id, a timestamp, a session and a sequence number, and an
 * HMAC-SHA256 over the whole frame with the cluster secret. A receiver believes a frame only if the
 * MAC verifies with one of {@link #secrets()}, the node id is one of {@link #members()}, the
 * timestamp is within {@link #maxFrameAge()} of its own clock, and it has not seen the frame
 * before. The sender is the node id the MAC covers, never a field the payload sets. See
 * docs/security.md.
 *
 * <p>Rotation: the first secret signs; every secret verifies. To rotate, (1) add the new secret as
 * the second on every node and restart them one by one, (2) move it to the first place on every
 * node, (3) remove the old one.
 *
 * @param mode {@link Mode#HMAC} (the only mode {@link #builder()} builds) or {@link Mode#INSECURE}
 * @param members node ids allowed to send; must include the node itself; empty only when insecure
 * @param secrets cluster secrets, each at least {@value #MIN_SECRET_BYTES} bytes of UTF-8; the
 *     first signs; empty only when insecure. Never printed by {@link #toString()}
 * @param maxFrameAge how far a frame's timestamp may be from the receiver's clock, either way;
 *     default 30 s. Frames seen within this window are remembered, so a replay is refused
 */
public record PeerAuthConfig(
    Mode mode, Set<NodeId> members, List<String> secrets, Duration maxFrameAge) {
  /** Shortest accepted secret, in bytes. */
  public static final int MIN_SECRET_BYTES = 32;

  /** Default frame age window. */
  public static final Duration DEFAULT_MAX_FRAME_AGE = Duration.ofSeconds(30);

  /** How frames are authenticated. */
  public enum Mode {
    /** HMAC-SHA256 with a cluster secret over every frame; the default and the only safe choice. */
    HMAC,
    /**
     * No authentication: anyone who reaches the gossip port can write to the journal and join the
     * membership. Logged as a WARN at start; for tests and closed networks only.
     */
    INSECURE
  }

  /** Validates the fields. */
  public PeerAuthConfig {
    InvalidInputException.check(mode != null, "peerAuth.mode", "must not be null");
    members = Set.copyOf(new TreeSet<>(members));
    secrets = List.copyOf(secrets);
    Checks.positive("peerAuth.maxFrameAge", maxFrameAge);
    if (mode == Mode.HMAC) {
      InvalidInputException.check(
          !members.isEmpty(), "peerAuth.members", "must list the cluster's node ids");
      InvalidInputException.check(
          !secrets.isEmpty(), "peerAuth.secrets", "at least one secret is required");
      for (String s : secrets) {
        InvalidInputException.check(
            s.getBytes(StandardCharsets.UTF_8).length >= MIN_SECRET_BYTES,
            "peerAuth.secrets",
            "a secret must be at least " + MIN_SECRET_BYTES + " bytes");
      }
      InvalidInputException.check(
          secrets.size() <= 4, "peerAuth.secrets", "at most 4 secrets (rotation)");
    }
  }

  /**
   * Returns the explicit plaintext setting: frames carry no MAC and the sender is whatever the
   * frame says. The backend logs a WARN when it starts with it.
   *
   * @return the setting
   */
  public static PeerAuthConfig insecure() {
    return new PeerAuthConfig(Mode.INSECURE, Set.of(), List.of(), DEFAULT_MAX_FRAME_AGE);
  }

  /** Returns whether frames are authenticated. */
  public boolean authenticated() {
    return mode == Mode.HMAC;
  }

  /**
   * Reads secrets from files, one secret per file (surrounding whitespace trimmed): the way to keep
   * them out of command lines and code.
   *
   * @param files the files, the signing secret first
   * @return the secrets, in the same order
   * @throws InvalidInputException naming the file if one cannot be read or is empty
   */
  public static List<String> readSecretFiles(List<Path> files) {
    List<String> out = new ArrayList<>();
    for (Path f : files) {
      String s;
      try {
        s = Files.readString(f, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new InvalidInputException(
            "peerAuth.secretFiles", "cannot read " + f + ": " + e.getMessage());
      }
      InvalidInputException.check(!s.isEmpty(), "peerAuth.secretFiles", f + " is empty");
      out.add(s);
    }
    return out;
  }

  /** Returns a builder for {@link Mode#HMAC}. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String toString() {
    return "PeerAuthConfig[mode="
        + mode
        + ", members="
        + members
        + ", secrets="
        + secrets.size()
        + " (redacted), maxFrameAge="
        + maxFrameAge
        + "]";
  }

  /** Builds an HMAC {@link PeerAuthConfig}; not thread-safe; {@link #build()} copies. */
  public static final class Builder {
    private final Set<NodeId> members = new TreeSet<>();
    private final List<String> secrets = new ArrayList<>();
    private Duration maxFrameAge = DEFAULT_MAX_FRAME_AGE;

    private Builder() {}

    /**
     * @param v node ids allowed to send (this node included) @return this builder
     */
    public Builder members(Iterable<NodeId> v) {
      v.forEach(members::add);
      return this;
    }

    /**
     * @param v secrets, the signing one first @return this builder
     */
    public Builder secrets(List<String> v) {
      secrets.addAll(v);
      return this;
    }

    /**
     * @param v files holding one secret each, the signing one first @return this builder
     */
    public Builder secretFiles(List<Path> v) {
      secrets.addAll(readSecretFiles(v));
      return this;
    }

    /**
     * @param v the frame age window @return this builder
     */
    public Builder maxFrameAge(Duration v) {
      maxFrameAge = v;
      return this;
    }

    /**
     * @return the configuration @throws InvalidInputException naming the first invalid field
     */
    public PeerAuthConfig build() {
      return new PeerAuthConfig(Mode.HMAC, members, secrets, maxFrameAge);
    }
  }
}
