package org.hybridstore.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.util.List;

/**
 * The import boundaries of DESIGN.md, as ArchUnit rules: library types stay in the module that owns
 * the library, and no module reaches into another module's {@code internal} packages. Each module
 * has a {@code ModuleBoundariesTest} that checks its own production classes against the rule for
 * it; store-api's test proves each rule fails on a class that breaks it.
 */
public enum ModuleBoundaries {
  /** Pure Java plus Jackson: no backend library, no other module. */
  STORE_API(
      List.of(
          "org.hybridstore",
          "org.hybridstore.model..",
          "org.hybridstore.codec..",
          "org.hybridstore.spi..",
          "org.hybridstore.event.."),
      "io.etcd..",
      "io.grpc..",
      "org.mapdb..",
      "io.scalecube..",
      "reactor..",
      "io.github.resilience4j..",
      "io.micrometer..",
      "org.hybridstore.cp..",
      "org.hybridstore.ap..",
      "org.hybridstore.switchover.."),
  /** jetcd only here; nothing of the degraded backend or the switchover. */
  CP_BACKEND(
      List.of("org.hybridstore.cp.."),
      "org.mapdb..",
      "io.scalecube..",
      "reactor..",
      "org.hybridstore.ap..",
      "org.hybridstore.switchover.."),
  /** MapDB and ScaleCube only here; nothing of etcd. */
  AP_BACKEND(
      List.of("org.hybridstore.ap.."),
      "io.etcd..",
      "io.grpc..",
      "org.hybridstore.cp..",
      "org.hybridstore.switchover.."),
  /** The mode logic sees the backends only through store-api's SPI. */
  SWITCHOVER(
      List.of("org.hybridstore.switchover.."),
      "io.etcd..",
      "io.grpc..",
      "org.mapdb..",
      "io.scalecube..",
      "reactor..",
      "org.hybridstore.cp..",
      "org.hybridstore.ap.."),
  /** Users of the library: public API and factories only, no internals, no library types. */
  APPLICATION(
      List.of("org.hybridstore.chaos..", "org.hybridstore.example.."),
      "org.mapdb..",
      "io.scalecube..",
      "reactor..",
      "org.hybridstore.cp.internal..",
      "org.hybridstore.ap.internal..",
      "org.hybridstore.switchover.internal..");

  private final List<String> packages;
  private final String[] banned;

  ModuleBoundaries(List<String> packages, String... banned) {
    this.packages = packages;
    this.banned = banned;
  }

  /** Returns the rule for this module's classes. */
  public ArchRule rule() {
    ArchRule libraries = bannedDependencies(packages.toArray(String[]::new));
    if (this != AP_BACKEND) {
      return libraries;
    }
    // Inside ap-backend, each library is confined to one package.
    return CompositeArchRule.of(libraries)
        .and(
            noClasses()
                .that()
                .resideInAnyPackage("org.hybridstore.ap..")
                .and()
                .resideOutsideOfPackage("org.hybridstore.ap.internal.storage..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.mapdb..")
                .because("only ap.internal.storage imports MapDB"))
        .and(
            noClasses()
                .that()
                .resideInAnyPackage("org.hybridstore.ap..")
                .and()
                .resideOutsideOfPackage("org.hybridstore.ap.internal.gossip..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.scalecube..", "reactor..")
                .because("only ap.internal.gossip imports ScaleCube and Reactor"));
  }

  /**
   * Returns the part of this module's rule that bans dependencies, applied to classes in the given
   * packages instead of the module's own (used to prove the rule on fixture classes).
   *
   * @param scope package patterns of the classes to check
   * @return the rule
   */
  public ArchRule bannedDependencies(String... scope) {
    return noClasses()
        .that()
        .resideInAnyPackage(scope)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(banned)
        .because("DESIGN.md section 2 fixes which module may import what");
  }

  /**
   * Imports the production classes (no test classes) under the given packages.
   *
   * @param packages package names
   * @return the classes
   */
  public static JavaClasses productionClasses(String... packages) {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
        .importPackages(packages);
  }
}
