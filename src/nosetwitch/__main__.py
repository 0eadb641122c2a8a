from nosetwitch.interfaces.cli.main import run

run()
