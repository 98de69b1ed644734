package org.hybridstore.ap.internal.storage;

/**
 * How the journal file is opened.
 *
 * @param mmap memory-mapped volume ({@code fileMmapEnableIfSupported()}); batched commits are about
 *     three times faster with it here (see shared/notes/dependencies.md section 10)
 * @param rotateThresholdBytes the file size above which it is rotated when more than half of it is
 *     free space; default {@value #DEFAULT_ROTATE_THRESHOLD_BYTES}, a quarter of MapDB's 2 GB
 *     slow-down
 */
public record StorageOptions(boolean mmap, long rotateThresholdBytes) {
  /** Default rotation threshold: 512 MiB. */
  public static final long DEFAULT_ROTATE_THRESHOLD_BYTES = 512L << 20;
  /** The defaults: mmap on, rotation at 512 MiB. */
  public static final StorageOptions DEFAULTS = new StorageOptions(true, DEFAULT_ROTATE_THRESHOLD_BYTES);

  /** Validates the threshold. */
  public StorageOptions {
    if (rotateThresholdBytes < 1) {
      throw new IllegalArgumentException("rotateThresholdBytes must be positive");
    }
  }
}
