package org.hybridstore.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.hybridstore.chaos.cli.ChaosCli;
import org.hybridstore.testing.ModuleBoundaries;
import org.junit.jupiter.api.Test;

class ModuleBoundariesTest {
  @Test
  void chaosSuite_usesThePublicApiOnly() {
    var classes = ModuleBoundaries.productionClasses("org.hybridstore.chaos");
    assertThat(classes.contain(ChaosCli.class)).isTrue();
    ModuleBoundaries.APPLICATION.rule().check(classes);
  }
}
