{
  description = "docker-guard: lets an untrusted account run docker through sudo, as far as a root-owned policy allows";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAllSystems (pkgs: {
        default = pkgs.callPackage ./nixos/package.nix { };
      });

      # The module, with the package built from this flake's nixpkgs (whose
      # Rust is new enough for the crate) unless the configuration picks one.
      nixosModules.default =
        { lib, pkgs, ... }:
        let
          inherit (pkgs.stdenv.hostPlatform) system;
        in
        {
          imports = [ ./nixos/module.nix ];
          security.docker-guard.package = lib.mkIf (self.packages ? ${system}) (
            lib.mkDefault self.packages.${system}.default
          );
        };

      checks = forAllSystems (pkgs: {
        package = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        vm-test = import ./nixos/test.nix {
          inherit pkgs;
          module = self.nixosModules.default;
        };
      });
    };
}
