"""Training and evaluation of FGAesQ on AVA and FGAesthetics."""
