"""What the network says of the physics: response curves, two-feature maps and their summary."""
