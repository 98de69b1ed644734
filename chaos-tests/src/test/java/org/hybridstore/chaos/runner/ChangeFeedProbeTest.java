package org.hybridstore.chaos.runner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The change-feed check's rule for versions that come again after a resume. */
class ChangeFeedProbeTest {

  @Test
  void aResumeFromXMayRepeatRevisionXPlusOneOnly() {
    // Given a stream resumed from id 100, when committed versions come again
    // Then revisions up to 101 are the contract's repeats, later ones are breaches
    assertThat(ChangeFeedProbe.mayComeAgain("committed", 100, null, 100)).isTrue();
    assertThat(ChangeFeedProbe.mayComeAgain("committed", 101, null, 100)).isTrue();
    assertThat(ChangeFeedProbe.mayComeAgain("committed", 102, null, 100)).isFalse();
  }

  @Test
  void aResumeFromAReReadsIdReplaysTheReRead() {
    // Given versions a re-read delivered with id 67659 (the revision it started from)
    // When a stream resumed from 67659 delivers them again as a re-read
    // Then that is the contract's replay
    assertThat(ChangeFeedProbe.mayComeAgain("resync", 67673, 67659L, 67659)).isTrue();

    // But not when the stream resumed from another id, not when no re-read delivered them, and
    // not when they come again as committed changes
    assertThat(ChangeFeedProbe.mayComeAgain("resync", 67673, 67659L, 67600)).isFalse();
    assertThat(ChangeFeedProbe.mayComeAgain("resync", 67673, null, 67659)).isFalse();
    assertThat(ChangeFeedProbe.mayComeAgain("committed", 67673, 67659L, 67659)).isFalse();
  }
}
